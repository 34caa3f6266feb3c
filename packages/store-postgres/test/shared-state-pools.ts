import { onTestFinished } from 'vitest';
import { createPostgresPool, type PostgresPool } from '../src/index.ts';

// Real pools with a window on them, for the shared state's tests: one counts the statements it runs, one loses the
// answers of some (the database applied them; the connection broke on the way back).

/** A real pool that counts the statements it runs by name; `of` sums the counts of names matching a pattern. */
export function countingPool(connectionString: string) {
  const pool = createPostgresPool({ connectionString });
  onTestFinished(() => pool.end());
  const counts = new Map<string, number>();
  const counted: PostgresPool = {
    query(statement, values) {
      const name = typeof statement === 'object' ? (statement.name ?? statement.text) : statement;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return pool.query(statement, values);
    },
    connect: () => pool.connect(),
    end: () => pool.end(),
  };
  const of = (pattern: RegExp) => [...counts].filter(([name]) => pattern.test(name)).reduce((sum, [, count]) => sum + count, 0);
  return { pool: counted, of };
}

/** A real pool whose next `losses.left` answers to statements named like `pattern` are lost after the database applied them. */
export function losingAnswersPool(connectionString: string, pattern: RegExp) {
  const pool = createPostgresPool({ connectionString });
  onTestFinished(() => pool.end());
  const losses = { left: 0 };
  const lossy: PostgresPool = {
    async query(statement, values) {
      const result = await pool.query(statement, values);
      if (losses.left > 0 && typeof statement === 'object' && pattern.test(statement.name ?? '')) {
        losses.left--;
        throw new Error('Connection terminated unexpectedly');
      }
      return result;
    },
    connect: () => pool.connect(),
    end: () => pool.end(),
  };
  return { pool: lossy, losses };
}
