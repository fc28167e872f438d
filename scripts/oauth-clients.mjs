// Starts the built standalone server (memory storage), registers a user, and runs scripts/oauth/clients.py: real
// OAuth 2.0 clients (Debian's python3-requests-oauthlib and python3-authlib) against /token and /balance.
import { spawn, spawnSync } from 'node:child_process';

const server = spawn(process.execPath, ['dist/cli.js'], { env: { ...process.env, PORT: '0', BANK_DATA_DIR: '', BANK_RATE_LIMITS: 'off' }, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let output = '';
  const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
  server.stdout.on('data', (chunk) => {
    output += chunk;
    const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
    if (match) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
});
let status = 1;
try {
  const created = await fetch(`${url}/createUser`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'oauth-user', password: 'oauth-user-long-password' }) });
  if (created.status !== 201) throw new Error(`createUser answered ${created.status}`);
  // Debian's own Python, where apt installs the two libraries (a pyenv python3 on PATH would not see them).
  status = spawnSync('/usr/bin/python3', ['scripts/oauth/clients.py', url, 'oauth-user', 'oauth-user-long-password'], { stdio: 'inherit' }).status ?? 1;
} finally {
  server.kill('SIGTERM');
}
process.exit(status);
