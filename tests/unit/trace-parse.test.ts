// The trace parser: typed observations, grouping by scenario, and
// line-numbered errors for malformed lines (which are skipped, not fatal).
import t from 'tap';
import { TraceParseError, hexToBytes, parseTrace, parseTraceStrict } from '../../src/trace/parse.js';

const good = [
  '{"kind":"scenario-start","scenario":0,"t":1,"name":"s","dir":"/d/s-0","settleMs":50,"watchdogMs":5000}',
  '{"kind":"process","scenario":0,"t":2,"proc":"a","pid":10,"pgid":10,"parent":null,"seq":-1}',
  '{"kind":"done","scenario":0,"t":3,"seq":0,"proc":"a","pid":10,"op":"open","late":false,"ret":3,"errno":0,"errname":null,"name":"f"}',
  '{"kind":"blocked","scenario":0,"t":4,"seq":1,"proc":"a","pid":10,"op":"open"}',
  '{"kind":"signal","scenario":0,"t":5,"proc":"a","pid":10,"signo":40,"signame":"SIGRTMIN+8","code":3,"fd":3,"band":1089,"sigPid":0,"sigPidProc":null,"inStep":1,"atStep":1}',
  '{"kind":"done","scenario":0,"t":6,"seq":2,"proc":"a","pid":10,"op":"fanotify_read","late":false,"ret":24,"errno":0,"errname":null,"events":[{"mask":32,"fd":4,"pid":10,"pidProc":"a","vers":3,"metadataLen":24,"eventLen":24,"name":"e","path":"/d/f","flags":32768,"fdFlags":0,"offset":0,"info":[]}]}',
  '{"kind":"exit","scenario":0,"t":7,"proc":"a","pid":10,"status":null,"signo":9,"core":false,"teardown":true,"atStep":2}',
  '{"kind":"scenario-end","scenario":0,"t":8,"name":"s","status":"ok","steps":3}',
  '{"kind":"scenario-start","scenario":1,"t":9,"name":"u","dir":"/d/s-1","settleMs":50,"watchdogMs":5000}',
  '{"kind":"infra","scenario":1,"t":10,"error":"watchdog","message":"stuck","seq":0}',
  '{"kind":"scenario-end","scenario":1,"t":11,"name":"u","status":"infra","steps":1}',
  '{"kind":"summary","scenario":-1,"t":12,"scenarios":2,"ok":1,"infra":1,"elapsedUs":12}',
].join('\n');

t.test('a well-formed trace', async (t) => {
  const r = parseTraceStrict(good + '\n');
  t.equal(r.observations.length, 12);
  t.equal(r.scenarios.length, 2);
  t.match(r.scenarios[0], { index: 0, name: 's', complete: true });
  t.equal(r.scenarios[0]!.observations.length, 8);
  t.match(r.scenarios[1], { name: 'u', complete: true });
  t.match(r.summary, { scenarios: 2, infra: 1 });
  const d = r.observations[5]!;
  t.equal(d.kind === 'done' && d.events?.[0]?.name, 'e');
});

t.test('errors name the line and the field, and bad lines are skipped', async (t) => {
  const text = [
    good.split('\n')[0],
    '{"kind":"done","scenario":0,"t":3,"seq":"0","proc":"a"}',
    '',
    '{"kind":"nonsense","scenario":0,"t":1}',
    '{"kind":"blocked","scenario":0,"t":4,"seq":1,"proc":"a","pid":10,"op":"open"',
    '{"kind":"done","scenario":0,"t":3,"seq":0,"proc":"a","pid":10,"op":"load","late":false,"ret":0,"errno":0,"errname":null,"outcome":"maybe"}',
    '{"kind":"infra","scenario":0,"t":1,"error":"oops","message":"x"}',
  ].join('\n');
  const r = parseTrace(text);
  t.equal(r.observations.filter((o) => o.kind !== 'infra').length, 1, 'only the good line is an observation of its own');
  t.same(
    r.observations.flatMap((o) => (o.kind === 'infra' ? [[o.scenario, o.error, o.message.replace(/:.*/, '')]] : [])),
    [2, 4, 5, 6, 7].map((l) => [0, 'trace', `trace line ${l}`]),
    'each bad line inside scenario 0 leaves an infra trace observation there, in place',
  );
  t.same(
    r.errors.map((e) => e.line),
    [2, 4, 5, 6, 7],
  );
  t.match(r.errors[0]!.message, /field "seq" should be int/);
  t.match(r.errors[1]!.message, /unknown kind "nonsense" \(valid: /);
  t.match(r.errors[2]!.message, /invalid JSON/);
  t.match(r.errors[3]!.message, /outcome/);
  t.match(r.errors[4]!.message, /unknown error kind "oops"/);
  t.equal(r.scenarios[0]?.complete, false, 'no scenario-end: incomplete');
  t.throws(() => parseTraceStrict(text, 'run.jsonl'), TraceParseError);
  try {
    parseTraceStrict(text, 'run.jsonl');
  } catch (e) {
    t.match((e as Error).message, /^run\.jsonl:2: /);
  }
});

const kindsOf = (obs: { kind: string }[]): string[] => obs.map((o) => o.kind);

t.test('a bad line is attributed to its own scenario, else to the open one, never to the batch', async (t) => {
  const lines = good.split('\n');
  const text = [
    ...lines.slice(0, 3),
    // A runner bug: the F_GETOWN_EX owner object with a doubled comma.
    '{"kind":"done","scenario":0,"t":3,"seq":1,"proc":"a","pid":10,"op":"fcntl","late":false,"ret":0,"errno":0,"errname":null,"owner":{"type":1,"pid":10,,"proc":"a"}}',
    '{"kind":"done","scenario":0,"t":4,"se', // truncated
    ...lines.slice(7, 8),
    '{"kind":"summary","scenario":-1,"t":12,"scen', // batch level: no scenario to blame
  ].join('\n');
  const r = parseTrace(text);
  t.same(r.errors.map((e) => e.line), [4, 5, 7]);
  const infra = r.scenarios[0]!.observations.filter((o) => o.kind === 'infra');
  t.same(infra.map((o) => o.kind === 'infra' && [o.error, o.t]), [['trace', 3], ['trace', 4]]);
  t.match(infra[0], { message: /^trace line 4: invalid JSON/ });
  t.equal(r.observations.filter((o) => o.scenario < 0).length, 0);
  t.equal(kindsOf(r.scenarios[0]!.observations).join(' '), 'scenario-start process done infra infra scenario-end');
});

t.test('event records are validated', async (t) => {
  const r = parseTrace(
    '{"kind":"done","scenario":0,"t":3,"seq":2,"proc":"a","pid":10,"op":"fanotify_read","late":false,"ret":24,"errno":0,"errname":null,"events":[{"mask":32}]}',
  );
  t.match(r.errors[0]?.message, /events\[0\]: missing field "fd"/);
});

t.test('hexToBytes', async (t) => {
  t.same([...hexToBytes('00410aff')], [0, 0x41, 10, 255]);
});
