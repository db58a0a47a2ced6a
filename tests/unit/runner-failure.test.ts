import t from 'tap';
import { runnerFailure } from '../../src/cli/runner-failure.js';

t.equal(runnerFailure({ code: 0, stderr: '' }), '', 'finished');
t.equal(runnerFailure({ code: 1, stderr: 'x' }), '', 'finished with infra scenarios');
t.equal(runnerFailure({ code: null, signal: 'SIGKILL', stderr: '' }), 'vfslab-runner killed by SIGKILL', 'a signal, no empty colon');
t.equal(runnerFailure({ code: 2, stderr: 'a\nplan: bad line 3\n' }), 'vfslab-runner exited 2: plan: bad line 3', 'its last stderr line');
t.equal(runnerFailure({ code: null, signal: null, stderr: '' }), 'vfslab-runner killed by a signal', 'no status at all');
