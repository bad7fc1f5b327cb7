// The wire format and its YAML subset, checked against bytes Ruby's Psych (einhorn's encoder)
// produces, plus the small Ruby-compatible parsers (shellwords, Integer(), -b addresses).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBind } from '../../src/einhorn/bind.js';
import { inspect } from '../../src/einhorn/inspect.js';
import { buildState, rubyFloat, rubyInteger, rubyToI } from '../../src/einhorn/options.js';
import { shellsplit } from '../../src/einhorn/shellwords.js';
import { LineSplitter, decode, encode } from '../../src/einhorn/wire.js';
import { RubySet, RubyTime, Sym, dump, parse } from '../../src/einhorn/yaml.js';

const msg = (m: string, id: unknown = 1): Map<string, unknown> => new Map<string, unknown>([['message', m], ['request_id', id]]);

// [message, YAML.dump({"message" => m, "request_id" => 1}) as Ruby 3.1's Psych writes it]
const PSYCH: [string, string][] = [
  ['Incrementing number of workers from 3 -> 4', '---\nmessage: Incrementing number of workers from 3 -> 4\nrequest_id: 1\n'],
  ['Einhorn is going down! ', "---\nmessage: 'Einhorn is going down! '\nrequest_id: 1\n"],
  ['', "---\nmessage: ''\nrequest_id: 1\n"],
  ['\n', '---\nmessage: "\\n"\nrequest_id: 1\n'],
  ['Welcome, probe! You are x.\nThis is Einhorn 1.1.1.\n', '---\nmessage: |\n  Welcome, probe! You are x.\n  This is Einhorn 1.1.1.\nrequest_id: 1\n'],
  ['a\nb', '---\nmessage: |-\n  a\n  b\nrequest_id: 1\n'],
  [' lead\nx\n', '---\nmessage: |2\n   lead\n  x\nrequest_id: 1\n'],
  ['y', '---\nmessage: "y"\nrequest_id: 1\n'],
  ['yes', "---\nmessage: 'yes'\nrequest_id: 1\n"],
  ['123', "---\nmessage: '123'\nrequest_id: 1\n"],
  [':sym', '---\nmessage: ":sym"\nrequest_id: 1\n'],
  ['a: b', "---\nmessage: 'a: b'\nrequest_id: 1\n"],
  ['tab\there', '---\nmessage: "tab\\there"\nrequest_id: 1\n'],
  ['Sending USR2 to [23334]', '---\nmessage: Sending USR2 to [23334]\nrequest_id: 1\n'],
  ['===> Launched 23814 (index: 3)', '---\nmessage: "===> Launched 23814 (index: 3)"\nrequest_id: 1\n'],
  ['ERROR: x', "---\nmessage: 'ERROR: x'\nrequest_id: 1\n"],
  ['%25', '---\nmessage: "%25"\nrequest_id: 1\n'],
  ['09', "---\nmessage: '09'\nrequest_id: 1\n"],
  ['é', '---\nmessage: é\nrequest_id: 1\n'],
  ['\u0001', '---\nmessage: "\\x01"\nrequest_id: 1\n'],
  ['Successfully merged in config: {:verbosity=>0}', "---\nmessage: 'Successfully merged in config: {:verbosity=>0}'\nrequest_id: 1\n"],
  ['Unrecognized command: "X"\n\nconfig: bla\n', '---\nmessage: |\n  Unrecognized command: "X"\n\n  config: bla\nrequest_id: 1\n'],
  ['trail \nx', '---\nmessage: "trail \\nx"\nrequest_id: 1\n'],
];

test('dump writes what Psych writes, and parse reads it back', () => {
  for (const [m, yaml] of PSYCH) {
    assert.equal(dump(msg(m)), yaml, `dump of ${JSON.stringify(m)}`);
    assert.equal((parse(yaml) as Map<string, unknown>).get('message'), m, `parse of ${JSON.stringify(yaml)}`);
  }
  assert.equal(dump(new Map<string, unknown>([['id', 1], ['command', 'set_workers'], ['args', ['5']]])), "---\nid: 1\ncommand: set_workers\nargs:\n- '5'\n");
  assert.equal(dump(new Map<string, unknown>([['id', 1], ['command', 'upgrade'], ['args', []]])), '---\nid: 1\ncommand: upgrade\nargs: []\n');
  assert.equal(dump(new Map<string, unknown>([['message', 'x'], ['request_id', '7'], ['wait', true]])), "---\nmessage: x\nrequest_id: '7'\nwait: true\n");
});

test('the wire bytes of einhorn §5.2', () => {
  assert.equal(encode(new Map<string, unknown>([['id', 1], ['command', 'upgrade'], ['args', []]])), '---%0Aid: 1%0Acommand: upgrade%0Aargs: []%0A\n');
  assert.equal(encode(new Map<string, unknown>([['id', 2], ['command', 'set_workers'], ['args', ['5']]])), "---%0Aid: 2%0Acommand: set_workers%0Aargs:%0A- '5'%0A\n");
  assert.equal(encode(msg('Incrementing number of workers from 3 -> 4', 2)), '---%0Amessage: Incrementing number of workers from 3 -> 4%0Arequest_id: 2%0A\n');
  assert.equal(
    encode(msg('Welcome, probe! You are speaking to Einhorn Master Process 20854.\nThis is Einhorn 1.1.1.\n', 7)),
    '---%0Amessage: |%0A  Welcome, probe! You are speaking to Einhorn Master Process 20854.%0A  This is Einhorn 1.1.1.%0Arequest_id: 7%0A\n',
  );
  // a literal %0A in a message must not come back as a line feed
  const m = (decode(encode(msg('100%0A done', 3)).trimEnd()) as Map<string, unknown>);
  assert.equal(m.get('message'), '100%0A done');
  const req = decode("---%0Aid: 2%0Acommand: set_workers%0Aargs:%0A- '5'%0A") as Map<string, unknown>;
  assert.deepEqual([...req.entries()], [['id', 2], ['command', 'set_workers'], ['args', ['5']]]);
});

test('requests in every mapping form a worker or client sends', () => {
  const forms: [string, Record<string, unknown>][] = [
    ['{"command":"worker:ack","pid":4242}', { command: 'worker:ack', pid: 4242 }],
    ['{"command": "worker:ack", "pid": 4242}', { command: 'worker:ack', pid: 4242 }],
    ['{command: worker:ack, pid: 4244}', { command: 'worker:ack', pid: 4244 }],
    ['--- {command: worker:ack, pid: 4244}', { command: 'worker:ack', pid: 4244 }],
    ['{"command":"worker:ack","pid":"4242"}', { command: 'worker:ack', pid: '4242' }],
    ['---%0Acommand: ehlo%0Auser: root%0A', { command: 'ehlo', user: 'root' }],
    ['command: inc # comment', { command: 'inc' }],
    ['{"id":"x","command":"signal","args":["HUP","usr2"]}', { id: 'x', command: 'signal', args: ['HUP', 'usr2'] }],
    // libyaml folds long plain scalars over several lines
    ['---%0Amessage: Last spinup was 0.12s ago, and spinup_interval is 1.5s, so spinning up%0A  a new process.%0Arequest_id: 3%0Await: true%0A',
      { message: 'Last spinup was 0.12s ago, and spinup_interval is 1.5s, so spinning up a new process.', request_id: 3, wait: true }],
    ["---%0Amessage: 'xx ''q'' y: z%0A  more'%0A", { message: "xx 'q' y: z more" }],
  ];
  for (const [line, want] of forms) {
    const got = decode(line) as Map<string, unknown>;
    assert.deepEqual(Object.fromEntries(got), want, line);
  }
  for (const bad of ['not: yaml: at all', '{"unterminated', 'command: &a x', '!!binary x', '- a\nb: c']) {
    assert.throws(() => parse(bad), Error, bad);
  }
  assert.ok(Array.isArray(parse('[1, 2]')));
  assert.equal(parse('hello'), 'hello');
});

test('the state document: symbols, Sets and Times survive a round trip', () => {
  const doc = new Map<unknown, unknown>([[Sym.of('state'), new Map<unknown, unknown>([
    [Sym.of('children'), new Map<unknown, unknown>([[4242, new Map<unknown, unknown>([[Sym.of('type'), Sym.of('worker')], [Sym.of('signaled'), new RubySet(['USR2'])], [Sym.of('last_signaled_at'), null], [Sym.of('spinup_time'), new RubyTime(0, '000000001')]])]])],
    [Sym.of('bind'), [['127.0.0.1', 80, []]]],
    [Sym.of('versions'), new Map()],
  ])]]);
  const text = dump(doc);
  assert.match(text, /^---\n:state:\n {2}:children:\n {4}4242:\n {6}:type: :worker\n {6}:signaled: !ruby\/object:Set\n {8}hash:\n {10}USR2: true\n {6}:last_signaled_at:\n/);
  assert.match(text, /:spinup_time: 19\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.000000001 [+-]\d\d:\d\d\n/);
  assert.match(text, /:bind:\n {2}- - 127\.0\.0\.1\n {4}- 80\n {4}- \[\]\n {2}:versions: \{\}\n$/);
  const back = (parse(text) as Map<unknown, unknown>).get(Sym.of('state')) as Map<unknown, unknown>;
  const child = (back.get(Sym.of('children')) as Map<unknown, unknown>).get(4242) as Map<unknown, unknown>;
  assert.equal(child.get(Sym.of('type')), Sym.of('worker'));
  assert.deepEqual((child.get(Sym.of('signaled')) as RubySet).items, ['USR2']);
});

test('lines are split at LF; an overlong line is reported and skipped', () => {
  const s = new LineSplitter(10);
  assert.deepEqual(s.push(Buffer.from('abc\nde')), [{ line: 'abc' }]);
  assert.deepEqual(s.push(Buffer.from('f\n0123456789xyz')), [{ line: 'def' }]);
  assert.deepEqual(s.push(Buffer.from('more\nok\n')), [{ overlong: 17 }, { line: 'ok' }]);
  assert.equal(s.push(Buffer.from('part')).length, 0);
  assert.equal(s.pending(), 'part');
});

test("Ruby's inspect, shellsplit, to_i, Float() and Integer()", () => {
  assert.equal(inspect('4242'), '"4242"');
  assert.equal(inspect([1, 2]), '[1, 2]');
  assert.equal(inspect(new Map<unknown, unknown>([[Sym.of('verbosity'), 0], ['a', null]])), '{:verbosity=>0, "a"=>nil}');
  assert.equal(inspect('a"b\n#{x}'), '"a\\"b\\n\\#{x}"');
  assert.deepEqual(shellsplit(`set_workers '5' "a b" c\\ d`), ['set_workers', '5', 'a b', 'c d']);
  assert.deepEqual(shellsplit('  '), []);
  assert.throws(() => shellsplit("'open"));
  assert.equal(rubyToI('12abc'), 12);
  assert.equal(rubyToI('junk'), 0);
  assert.equal(rubyFloat('0.5'), 0.5);
  assert.equal(rubyFloat('1e3'), 1000);
  assert.equal(rubyFloat('bogus'), null);
  assert.equal(rubyInteger('0x10'), 16);
  assert.equal(rubyInteger('2.5'), null);
});

test('-b addresses: einhorn forms, IPv6, UNIX sockets, flags', () => {
  assert.deepEqual(parseBind('127.0.0.1:8080,r,N,bogus'), { spec: '127.0.0.1:8080,r,N,bogus', host: '127.0.0.1', port: 8080, flags: ['r', 'n', 'bogus'], family: 'ipv4', address: '127.0.0.1' });
  assert.equal(parseBind('[::1]:8080').family, 'ipv6');
  assert.equal(parseBind('localhost:0').host, 'localhost');
  const u = parseBind('unix:/run/app.sock,n');
  assert.equal(u.family, 'unix');
  assert.equal(u.address, '/run/app.sock');
  assert.deepEqual(u.flags, ['n']);
  assert.equal(parseBind('/run/x.sock').family, 'unix');
  for (const bad of ['8080', 'host:port', '[nope]:80', '1.2.3.4:99999', 'a:1,-x']) assert.throws(() => parseBind(bad), Error, bad);
});

test("options build einhorn's state, with its defaults", () => {
  const { state: s } = buildState([['number', '3'], ['ack-mode', 'manual'], ['seconds', '0.5'], ['bind', '127.0.0.1:0'], ['quiet', undefined], ['command-name', 'web']], ['node', 'app.js'], { TMPDIR: '/var/tmp' });
  assert.equal(s.config.number, 3);
  assert.deepEqual(s.ack_mode, { type: 'manual' });
  assert.equal(s.config.seconds, 0.5);
  assert.equal(s.verbosity, 2);
  assert.equal(s.socket_path, '/var/tmp/einhorn-web.sock');
  assert.equal(s.pidfile, '/var/tmp/einhorn-web.pid');
  const d = buildState([], ['x'], {}).state;
  assert.equal(d.socket_path, '/tmp/einhorn.sock');
  assert.deepEqual(d.config, { number: 1, backlog: 100, seconds: 1 });
  assert.deepEqual(d.ack_mode, { type: 'timer', timeout: 1 });
  assert.throws(() => buildState([['ack-mode', 'bogus']], ['x']), /Invalid ack-mode "bogus"/);
  assert.throws(() => buildState([['seconds', '0']], ['x']), /seconds must be > 0/);
  assert.throws(() => buildState([['max-unacked', '0']], ['x']));
  assert.deepEqual(buildState([['reexec-as', "/opt/bin/wrap 'a b'"]], ['x']).state.reexec_commandline, ['/opt/bin/wrap', 'a b']);
});
