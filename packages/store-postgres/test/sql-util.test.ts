// Goal: named parameters compile to $n once per name, nested fragments splice in with their
// parameters, and a call's values line up with the $n order. Method: compile and inspect.
import t from 'tap';
import { param, prepare, sql } from '../src/sql-util.js';

t.test('each distinct name gets one $n, in order of first use; fragments nest', async (t) => {
  const where = sql`user_id = ${param('userId')} AND key = ${param('key')}`;
  const statement = prepare(
    'probe',
    sql`SELECT ${param('key')}::text, ${'now()'} FROM t WHERE ${where} AND id = ${param('id')}`,
  );
  t.equal(statement.name, 'probe');
  t.equal(statement.text, 'SELECT $1::text, now() FROM t WHERE user_id = $2 AND key = $1 AND id = $3');
  t.same(statement.order, ['key', 'userId', 'id']);
  t.same(statement.query({ id: 7, userId: 'u', key: 'k' }), {
    name: 'probe',
    text: statement.text,
    values: ['k', 'u', 7],
  });
});
