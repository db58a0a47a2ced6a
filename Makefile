# vfslab: the README's commands are `make vm-test` and `make test`; both run
# `make setup` first, which does nothing when everything is current.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup probes images kernel vm-test test unit-test typecheck bench clean

help:
	@echo "make setup     Debian + npm packages, pinned stock kernel, guest image (idempotent)"
	@echo "make vm-test   boot the guest and run the VM suite (TAP)"
	@echo "make test      typecheck, unit tests and VM tests; ends with 'N passed, N failed'"
	@echo "make kernel    build the patched kernel (linux-source-6.1 + guest/patches), cached"
	@echo "make bench     boot-stage and SSH latency figures into bench/"

setup:
	@harness/setup/setup.sh

probes:
	@$(MAKE) -s -C guest/probes

images: setup

kernel: setup
	@nice -n 10 bin/vfslab kernel build

typecheck: setup
	@npx tsc --noEmit -p .

unit-test: setup
	@node --import tsx tests/run-suite.ts tests/unit

# The VM suite diffs stock against the patched kernel: build it first (cached).
vm-test: setup kernel
	@npm run --silent vm-test

test: setup kernel
	@npx tsc --noEmit -p . && node --import tsx tests/run-suite.ts tests/unit tests/vm

bench: setup
	@npm run --silent bench

clean:
	rm -rf images/initramfs-* images/floor-* guest/probes/build
