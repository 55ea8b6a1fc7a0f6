import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

function setup() {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE t (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id))');
  db.exec('INSERT INTO parent (id) VALUES (1)');
  const commits: Array<() => void> = [];
  // Commits run when the test says so, so "not yet committed" can be observed.
  const group = new GroupCommit(db, (commit) => commits.push(commit));
  const insert = (id: number, parent = 1) => group.write(() => db.prepare('INSERT INTO t (id, parent) VALUES (?, ?)').run(id, parent).changes);
  const count = () => (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
  return { db, group, commits, insert, count };
}

describe('GroupCommit', () => {
  it('runs the writes of one turn in one transaction and acknowledges them only after its commit', async () => {
    const { db, commits, insert } = setup();
    const settled: number[] = [];
    const a = insert(1).then(() => settled.push(1));
    const b = insert(2).then(() => settled.push(2));
    expect(commits).toHaveLength(1); // one batch, one commit for both
    expect(db.inTransaction).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([]); // nothing is acknowledged before the commit
    commits[0]!();
    await Promise.all([a, b]);
    expect(settled).toEqual([1, 2]);
    expect(db.inTransaction).toBe(false);
  });

  it('hands a read out only after the open batch committed', async () => {
    const { commits, insert, group, count } = setup();
    void insert(1);
    let seen: number | null = null;
    const read = group.read(count).then((n) => (seen = n));
    await new Promise((r) => setImmediate(r));
    expect(seen).toBeNull();
    commits[0]!();
    await read;
    expect(seen).toBe(1);
  });

  it('rejects only the write whose statement failed; the rest of the batch commits', async () => {
    const { commits, insert, count } = setup();
    const ok = insert(1);
    const duplicate = insert(1);
    const other = insert(2);
    commits[0]!();
    await expect(ok).resolves.toBe(1);
    await expect(duplicate).rejects.toThrow(/UNIQUE/);
    await expect(other).resolves.toBe(1);
    expect(count()).toBe(2);
  });

  it('rejects every write of a batch whose commit fails and rolls all of them back', async () => {
    const { db, commits, insert, count } = setup();
    db.pragma('defer_foreign_keys = ON'); // the broken reference is only detected at COMMIT
    const good = insert(1);
    const dangling = insert(2, 99);
    commits[0]!();
    await expect(good).rejects.toThrow(/FOREIGN KEY/);
    await expect(dangling).rejects.toThrow(/FOREIGN KEY/);
    expect(db.inTransaction).toBe(false);
    expect(count()).toBe(0);
  });

  it('lets two connections of one process write the same file by turns, without blocking on the lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-gc-'));
    try {
      const open = () => {
        const db = new Database(join(dir, 'x.db'));
        db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 3000'); // a blocked BEGIN would stall this test for 3 s per write
        return db;
      };
      const a = open();
      a.exec('CREATE TABLE t (n INTEGER)');
      const b = open();
      const [ga, gb] = [new GroupCommit(a), new GroupCommit(b)];
      const started = Date.now();
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? gb : ga).write(() => (i % 2 ? b : a).prepare('INSERT INTO t (n) VALUES (?)').run(i))));
      expect(Date.now() - started).toBeLessThan(1000);
      expect((a.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(20);
      a.close();
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
