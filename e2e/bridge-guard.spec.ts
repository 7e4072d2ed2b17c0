import { expect, test } from './fixtures';

// The bridge answers only its own pages: a web page open in the developer's browser can reach
// 127.0.0.1 but has neither the run's token nor the host's Origin.
test('the bridge refuses calls without the token, from a foreign Origin, or not as JSON', async ({
  host,
  database,
}) => {
  const url = `${host.url}${database.rpcBase}session.whoami`;
  const json = { 'content-type': 'application/json' };
  const token = { 'x-pointkeeper-token': host.token };
  const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers, body: '{}' });

  const good = await post({ ...json, ...token });
  expect(good.status).toBe(200);
  expect(await good.json()).toMatchObject({ ok: true });

  expect((await post(json)).status).toBe(403);
  expect((await post({ ...json, 'x-pointkeeper-token': 'guessed' })).status).toBe(403);
  expect((await post({ ...json, ...token, origin: 'https://attacker.example' })).status).toBe(403);
  expect((await post({ 'content-type': 'text/plain', ...token })).status).toBe(415);
  // Test control (creating an admin login) is guarded the same way.
  const login = await fetch(`${host.url}/__host/databases/${database.name}/logins`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ role: 'admin' }),
  });
  expect(login.status).toBe(403);
});
