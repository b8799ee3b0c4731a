// The Swagger UI at /docs loads under helmet: its page, scripts and the OpenAPI document are served with a CSP that allows them.
import t from 'tap';
import { build } from './helper.js';

t.test('/docs serves the UI and its assets with a compatible CSP', async (t) => {
  const { app } = await build(t);
  const entry = await app.inject({ url: '/docs' });
  const page =
    entry.statusCode === 302
      ? await app.inject({ url: String(entry.headers.location).replace(/^\.\//, '/docs/') })
      : entry;
  t.equal(page.statusCode, 200, `page ${page.statusCode}`);
  t.match(page.headers['content-type'], /text\/html/);
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /script-src[^;]*'self'/, csp);
  const scripts = [...page.body.matchAll(/src="\.?\/?([^"]+\.js)"/g)].map((m) => m[1]!);
  t.ok(scripts.length > 0, 'the page loads scripts');
  for (const script of scripts) {
    const url = script.startsWith('/') ? script : `/docs/${script.replace(/^docs\//, '')}`;
    const asset = await app.inject({ url });
    t.equal(asset.statusCode, 200, `${url}`);
  }
  const json = await app.inject({ url: '/docs/json' });
  t.equal(json.statusCode, 200);
  t.equal(json.json().openapi, '3.1.0');
});
