// Preloaded (`node --import`) into the documented programs the docs test runs. The docs listen on port
// 3000, which another program may hold on a shared machine: a server asking for 3000 gets a free port
// instead, and the test learns the first server's address over the IPC channel.
import net from 'node:net';

const DOCUMENTED_PORT = 3000;
const listen = net.Server.prototype.listen;
let reported = false;

net.Server.prototype.listen = function (...args) {
  if (args[0] === DOCUMENTED_PORT) args[0] = 0;
  else if (args[0]?.port === DOCUMENTED_PORT) args[0] = { ...args[0], port: 0 };
  this.once('listening', () => {
    if (reported) return;
    reported = true;
    const { address, port } = this.address();
    process.send?.({ listening: { address, port } });
  });
  return listen.apply(this, args);
};

// The channel must not keep a program that ends on its own alive.
process.channel?.unref();
