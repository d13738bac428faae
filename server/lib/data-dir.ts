import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/*
 * DATA_DIR holds password hashes, sessions, faces and CPFs: only the account that runs the console
 * may read it. server.ts sets the umask to 077 before anything is written, which covers every file
 * made later (SQLite's -wal and -shm included); this tightens what an earlier version, or a start
 * under another umask, left readable.
 */

/** The files the console and the emulator keep in DATA_DIR. */
const DATA_FILE = /^(?:(?:console|emulator)\.sqlite(?:-wal|-shm|-journal)?|[a-z-]+\.key)$/;

const groupOrOther = (mode: number) => (mode & 0o077) !== 0;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * Makes DATA_DIR (mode 0700) or tightens it when this account owns it, and its data files to
 * 0600. What it could not tighten (another owner's folder or file) comes back as warnings, so the
 * start says so; nothing else in the folder is touched.
 */
export function secureDataDir(dataDir: string): { changed: string[]; warnings: string[] } {
  const changed: string[] = [];
  const warnings: string[] = [];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  const tighten = (path: string, mode: number) => {
    const stat = statSync(path);
    if (!groupOrOther(stat.mode)) return;
    if (uid === undefined || stat.uid === uid) {
      chmodSync(path, mode);
      changed.push(`${path}: ${octal(stat.mode)} → ${octal(mode)}`);
    } else {
      warnings.push(`${path} is readable by others (${octal(stat.mode)}) and belongs to another account: make it ${octal(mode)}`);
    }
  };
  tighten(dataDir, 0o700);
  for (const name of readdirSync(dataDir)) {
    if (DATA_FILE.test(name)) tighten(join(dataDir, name), 0o600);
  }
  return { changed, warnings };
}

/**
 * A key kept as text in a file of its own (mode 0600), made on first use and the same at every
 * start: so a person can read it (`cat DATA_DIR/emulator.key`) and send it as it is.
 */
export function textKeyFile(path: string): string {
  const read = () => readFileSync(path, 'utf8').trim();
  try {
    const key = read();
    if (key !== '') return key;
  } catch {
    // Not made yet.
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    // Another process made it first (or it is empty: then it stays as it is, and is refused below).
    const existing = read();
    if (existing === '') throw new Error(`${path} is empty: delete it to have a new key made, or set EMULATOR_API_KEY.`);
    return existing;
  }
}

/** The emulator's SQLite file in DATA_DIR (without DATABASE_URL). */
export function emulatorDatabaseFile(dataDir: string): string {
  return join(dataDir, 'emulator.sqlite');
}

/** Where a generated emulator key is kept, when EMULATOR_API_KEY is unset (SQLite; PostgreSQL keeps it in its table `secrets`). */
export function emulatorKeyFile(dataDir: string): string {
  return join(dataDir, 'emulator.key');
}
