// Build-time stand-in for @heroku/socksv5 in the bundle (scripts/build.mjs). ssh2-promise loads it at start for
// SOCKS tunnels (addTunnel with socks: true), which haforge never opens; the real package pulls in ip-address,
// jsbn and lodash and cost about 30 ms of CPU on every run. Anything that does reach it fails loudly.
'use strict';
function unused() {
  throw new Error('SOCKS tunnels are not available in this build of haforge');
}
module.exports = { createServer: unused, connect: unused, createConnection: unused, auth: { None: unused, UserPassword: unused } };
