// Preloaded (`node --require`) into the account service's process by `npm run bench`
// (tooling/bench/account.ts), which otherwise runs the production entry unchanged: answers the
// bench's IPC requests with this process's memory and CPU use, and stops the service (as SIGTERM
// does) when the bench goes away, so no orphan keeps a port.

process.on('message', (message) => {
  if (message === 'memory') process.send?.({ memory: process.memoryUsage(), cpu: process.cpuUsage() });
});
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
