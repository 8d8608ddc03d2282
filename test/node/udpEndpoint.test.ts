import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeBindError, resolveHost, UdpEndpoint, UdpError } from '../../src/net/udpEndpoint';

describe('net/udpEndpoint on real sockets', () => {
  it('binds, reports its address, exchanges datagrams and closes', async () => {
    const a = await UdpEndpoint.bind({ address: '127.0.0.1', port: 0, family: 4 });
    const b = await UdpEndpoint.bind({ address: '127.0.0.1', port: 0, family: 4 });
    const got = new Promise<{ msg: string; port: number }>((r) => b.onDatagram((m, from) => r({ msg: m.toString(), port: from.port })));
    a.send(Buffer.from('ping'), b.local);
    const r = await got;
    assert.equal(r.msg, 'ping');
    assert.equal(r.port, a.local.port);
    const bAddr = b.local;
    await a.close();
    await b.close();
    assert.equal(a.isClosed, true);
    assert.throws(() => a.send(Buffer.from('x'), bAddr), /closed/);
  });

  it('rejects a port in use with EADDRINUSE and a readable message', async () => {
    const a = await UdpEndpoint.bind({ address: '127.0.0.1', port: 0, family: 4 });
    await assert.rejects(UdpEndpoint.bind({ address: '127.0.0.1', port: a.local.port, family: 4 }), (e: unknown) => {
      assert.ok(e instanceof UdpError);
      assert.equal(e.code, 'EADDRINUSE');
      assert.match(e.message, new RegExp(`port ${a.local.port} is already in use`));
      return true;
    });
    await a.close();
  });

  it('rejects an address that is not on this machine', async () => {
    await assert.rejects(UdpEndpoint.bind({ address: '192.0.2.1', port: 0, family: 4 }), /not an address of this machine/);
  });

  it('explains EACCES for a privileged port (run as an unprivileged user when we are root)', function () {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const modulePath = path.join(__dirname, '..', '..', 'src', 'net', 'udpEndpoint.js');
    const script = `require(${JSON.stringify(modulePath)}).UdpEndpoint.bind({address:'127.0.0.1',port:81,family:4}).then(()=>{console.log('BOUND');process.exit(0)},e=>{console.log(e.code+' '+e.message);process.exit(0)})`;
    const cmd = isRoot ? ['runuser', ['-u', 'nobody', '--', process.execPath, '-e', script]] as const : [process.execPath, ['-e', script]] as const;
    const r = spawnSync(cmd[0], [...cmd[1]], { encoding: 'utf8', cwd: os.tmpdir() });
    if (r.error || /BOUND/.test(r.stdout)) {
      // Some kernels lower net.ipv4.ip_unprivileged_port_start; then there is nothing to refuse.
      this.skip();
    }
    assert.match(r.stdout, /^EACCES The operating system refused UDP port 81/m, r.stdout + r.stderr);
  });

  it('maps every bind error to a user-facing message', () => {
    const mk = (code: string) => Object.assign(new Error(code), { code });
    assert.match(describeBindError(mk('EACCES'), '0.0.0.0', 80).message, /administrator rights/);
    assert.match(describeBindError(mk('EPERM'), '0.0.0.0', 80).message, /refused/);
    assert.match(describeBindError(mk('EINVAL'), '::1', 5).message, /\[::1\]:5/);
    assert.match(describeBindError(mk('EWHAT'), '1.2.3.4', 5).message, /Cannot bind 1\.2\.3\.4:5/);
  });

  it('resolves localhost and IP literals, and explains names that do not resolve', async () => {
    assert.deepEqual(await resolveHost('127.0.0.1'), { address: '127.0.0.1', family: 4 });
    assert.equal((await resolveHost('::1')).family, 6);
    const lh = await resolveHost('localhost');
    assert.ok(['127.0.0.1', '::1'].includes(lh.address), lh.address);
    await assert.rejects(resolveHost('no-such-host.invalid'), /does not resolve/);
  });

  it('sends to an IPv4 peer from an IPv6 socket (dual stack)', async () => {
    const v4 = dgram.createSocket('udp4');
    await new Promise<void>((r) => v4.bind(0, '127.0.0.1', () => r()));
    const six = await UdpEndpoint.bind({ address: '', port: 0, family: 6 });
    const got = new Promise<string>((r) => v4.once('message', (m) => r(m.toString())));
    six.send(Buffer.from('over v6'), { address: '127.0.0.1', port: v4.address().port });
    assert.equal(await got, 'over v6');
    v4.close();
    await six.close();
  });
});
