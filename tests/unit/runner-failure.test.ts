import t from 'tap';
import { guestRunnerFailure, runnerFailure } from '../../src/cli/runner-failure.js';

t.equal(runnerFailure({ code: 0, stderr: '' }), '', 'finished');
t.equal(runnerFailure({ code: 1, stderr: 'x' }), '', 'finished with infra scenarios');
t.equal(runnerFailure({ code: null, signal: 'SIGKILL', stderr: '' }), 'vfslab-runner killed by SIGKILL', 'a signal, no empty colon');
t.equal(runnerFailure({ code: 2, stderr: 'a\nplan: bad line 3\n' }), 'vfslab-runner exited 2: plan: bad line 3', 'its last stderr line');
t.equal(runnerFailure({ code: null, signal: null, stderr: '' }), 'vfslab-runner killed by a signal', 'no status at all');

const marked: string[] = [];
const guest = { consoleLogPath: '/tmp/vfslab-x/console.log', markFailed: () => void marked.push('failed') };
t.equal(guestRunnerFailure(guest, { code: 1, stderr: '' }), '', 'a finished runner: no failure');
t.same(marked, [], 'and the guest is not marked failed');
t.equal(guestRunnerFailure(guest, { code: null, signal: 'SIGSEGV', stderr: '' }), 'vfslab-runner killed by SIGSEGV; console log: /tmp/vfslab-x/console.log', 'a failed runner names the kept console log');
t.same(marked, ['failed'], 'and marks the guest failed, so that its console log is kept');
