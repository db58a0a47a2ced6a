// The fionread, poll and setrlimit steps in the scenario language: parsed
// into the AST, printed back to the same text, serialized for the runner,
// and bad forms rejected with the valid alternatives.
import t from 'tap';
import { parseScenario } from '../../src/scenario/parse.js';
import { stepText } from '../../src/scenario/print.js';
import { opArgs } from '../../src/scenario/wire.js';

function parse(body: string) {
  return parseScenario(`scenario t\nprocess L\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\n${body}\n`, 't.scenario');
}

t.test('parse, print and wire', async (t) => {
  const r = parse('L: fionread g\nL: poll g\nL: poll g 250ms\nL: setrlimit RLIMIT_NOFILE 5');
  t.ok(r.ok);
  if (!r.ok) return;
  const [, fion, poll0, poll250, rl] = r.scenario.steps;
  t.same(fion!.op, { kind: 'fionread', fd: { kind: 'name', name: 'g' } });
  t.same(poll0!.op, { kind: 'poll', fd: { kind: 'name', name: 'g' }, timeoutMs: 0 });
  t.same(poll250!.op, { kind: 'poll', fd: { kind: 'name', name: 'g' }, timeoutMs: 250 });
  t.same(rl!.op, { kind: 'setrlimit', resource: 7, soft: 5 });
  t.equal(stepText(fion!), 'L: fionread g');
  t.equal(stepText(poll250!), 'L: poll g 250ms');
  t.equal(stepText(rl!), 'L: setrlimit RLIMIT_NOFILE 5');
  t.equal(opArgs(fion!.op, 'x'), 'fd=@g');
  t.equal(opArgs(poll250!.op, 'x'), 'fd=@g timeout=250');
  t.equal(opArgs(rl!.op, 'x'), 'resource=7 soft=5');
  const again = parse(['L: fionread g', stepText(poll0!).replace(/^L: /, 'L: '), 'L: setrlimit RLIMIT_NOFILE 5'].join('\n'));
  t.ok(again.ok, 'the printed form parses again');
});

t.test('bad forms', async (t) => {
  const bad = parse('L: setrlimit RLIMIT_NOPROC 5');
  t.notOk(bad.ok);
  if (!bad.ok) t.match(JSON.stringify(bad.errors), /RLIMIT_NOFILE/);
  t.notOk(parse('L: poll g soon').ok, 'a timeout is a duration');
  t.notOk(parse('L: fionread h').ok, 'an unbound fd name');
});
