import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { DuplicateFace } from '../../contract/registration.ts';
import { FaceIndex } from './face-index.ts';
import { DESCRIPTOR_LENGTH, descriptorFromBlob, descriptorToBlob } from './face-match.ts';
import type { FaceDescriptor } from './face-match.ts';
import { INDEX_CHUNK, duplicateFace, registrationFromRows } from './store.ts';
import type { EmulatorStore, NewImage, RegistrationForValidation, RegistrationRow, StoredImage, StoredRegistration } from './store.ts';

/** What the emulator keeps of a picture besides its bytes: the answer of POST /face_recognition/image. */
/**
 * Migrations, applied in order and counted in PRAGMA user_version. Append only: a database
 * that has run migration N never runs it again.
 */
const MIGRATIONS = [
  `CREATE TABLE images (
     image_key  TEXT PRIMARY KEY,
     content    BLOB NOT NULL,
     media_type TEXT NOT NULL,
     file_size  INTEGER NOT NULL,
     width_px   INTEGER NOT NULL,
     height_px  INTEGER NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT;
   CREATE TABLE registrations (
     id               INTEGER PRIMARY KEY AUTOINCREMENT,
     registration_key TEXT NOT NULL UNIQUE,
     document_number  TEXT NOT NULL,
     image_key        TEXT NOT NULL REFERENCES images (image_key),
     created_at       TEXT NOT NULL
   ) STRICT;
   CREATE INDEX registrations_by_document ON registrations (document_number, id);`,
  // Issue 13: each picture's face descriptor (human's faceres, Float32 little-endian), computed by
  // the face check that accepted it; NULL for pictures stored before, or with the check off.
  `ALTER TABLE images ADD COLUMN face_descriptor BLOB;`,
  // Issue 13: the faces under other CPFs found on each registration (decision 009), kept with it
  // so a look-up by key answers what the registration answered. Registrations made before, or
  // without a descriptor, have no rows and no \`compared\` mark.
  `CREATE TABLE registration_duplicates (
     registration_key       TEXT NOT NULL REFERENCES registrations (registration_key),
     rank                   INTEGER NOT NULL,
     other_registration_key TEXT NOT NULL REFERENCES registrations (registration_key),
     similarity_ratio       INTEGER NOT NULL,
     PRIMARY KEY (registration_key, rank)
   ) STRICT;
   ALTER TABLE registrations ADD COLUMN compared INTEGER NOT NULL DEFAULT 0;`,
];

/** A registration with its duplicates (store.ts: RegistrationRow), to be narrowed by a WHERE on `r`. */
const REGISTRATION_ROWS = `SELECT r.registration_key, r.compared,
     o.registration_key AS duplicate_key, o.document_number AS duplicate_document, d.similarity_ratio
   FROM registrations r
   LEFT JOIN registration_duplicates d ON d.registration_key = r.registration_key
   LEFT JOIN registrations o ON o.registration_key = d.other_registration_key`;

/** better-sqlite3 answers at once: its result, or its error, as the interface's promise. */
function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * The emulator's SQLite database. better-sqlite3 is synchronous and this process holds one
 * connection, so statements never interleave; WAL plus busy_timeout lets a second process
 * (say, `npm run emulator` beside `npm start` on the same DATA_DIR) share the file. A
 * registration is one synchronous transaction: its duplicate search and its insert cannot be
 * split by another registration of this process, and SQLite's write lock orders other processes'.
 */
export class SqliteEmulatorStore implements EmulatorStore {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #insertImage: Database.Statement<[string, Buffer, string, number, number, number, string, Buffer | null]>;
  readonly #imageDescriptor: Database.Statement<[string], { face_descriptor: Buffer | null }>;
  readonly #newestRegistration: Database.Statement<
    [string],
    { registration_key: string; created_at: string; face_descriptor: Buffer | null }
  >;
  readonly #insertRegistration: Database.Statement<[string, string, string, string, number]>;
  readonly #insertDuplicate: Database.Statement<[string, number, string, number]>;
  readonly #imageByKey: Database.Statement<[string], StoredImage>;
  readonly #registrationByKey: Database.Statement<[string], RegistrationRow>;
  readonly #registrationByDocument: Database.Statement<[string], RegistrationRow>;
  readonly #facesAfter: Database.Statement<
    [number, number],
    { id: number; registration_key: string; document_number: string; face_descriptor: Buffer }
  >;
  readonly #registerWithImage: (document: string, image: NewImage) => StoredRegistration;
  readonly #readTogether: (runs: (() => void)[]) => void;
  readonly #register: (document: string, imageKey: string, descriptor: FaceDescriptor | undefined) => StoredRegistration;
  /** Every registered face with a descriptor, up to registration #indexedUpTo (loaded on first use). */
  readonly #faces = new FaceIndex(DESCRIPTOR_LENGTH);
  #indexedUpTo = 0;
  /** The look-ups waiting for the end of this turn of the event loop (#lookUp). */
  #lookUps: (() => void)[] = [];

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    // FULL: each acknowledged registration is on disk before the answer, so it outlives a
    // kill -9 and a power cut alike (NORMAL would outlive only the former).
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    this.#migrate();

    this.#insertImage = this.#db.prepare(
      'INSERT INTO images (image_key, content, media_type, file_size, width_px, height_px, created_at, face_descriptor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#imageDescriptor = this.#db.prepare('SELECT face_descriptor FROM images WHERE image_key = ?');
    this.#newestRegistration = this.#db.prepare(
      `SELECT r.registration_key, r.created_at, i.face_descriptor FROM registrations r JOIN images i ON i.image_key = r.image_key
       WHERE r.document_number = ? ORDER BY r.id DESC LIMIT 1`,
    );
    this.#insertRegistration = this.#db.prepare(
      'INSERT INTO registrations (registration_key, document_number, image_key, created_at, compared) VALUES (?, ?, ?, ?, ?)',
    );
    this.#insertDuplicate = this.#db.prepare(
      'INSERT INTO registration_duplicates (registration_key, rank, other_registration_key, similarity_ratio) VALUES (?, ?, ?, ?)',
    );
    this.#imageByKey = this.#db.prepare('SELECT image_key, file_size, width_px, height_px, created_at FROM images WHERE image_key = ?');
    this.#registrationByKey = this.#db.prepare(`${REGISTRATION_ROWS} WHERE r.registration_key = ? ORDER BY d.rank`);
    // The newest registration of a document wins; id grows with every insert.
    this.#registrationByDocument = this.#db.prepare(
      `${REGISTRATION_ROWS} WHERE r.id = (SELECT id FROM registrations WHERE document_number = ? ORDER BY id DESC LIMIT 1) ORDER BY d.rank`,
    );
    this.#facesAfter = this.#db.prepare(
      `SELECT r.id, r.registration_key, r.document_number, i.face_descriptor FROM registrations r
       JOIN images i ON i.image_key = r.image_key
       WHERE r.id > ? AND i.face_descriptor IS NOT NULL ORDER BY r.id LIMIT ?`,
    );
    this.#register = this.#db.transaction((document: string, imageKey: string, descriptor: FaceDescriptor | undefined) => {
      const registrationKey = randomUUID();
      const duplicates = descriptor === undefined ? undefined : this.#similarFaces(descriptor, document);
      this.#insertRegistration.run(registrationKey, document, imageKey, new Date().toISOString(), duplicates === undefined ? 0 : 1);
      duplicates?.forEach((face, rank) => this.#insertDuplicate.run(registrationKey, rank, face.registration_key, face.similarity_ratio));
      return duplicates === undefined
        ? { registration_key: registrationKey }
        : { registration_key: registrationKey, duplicate_faces: duplicates };
    });
    this.#readTogether = this.#db.transaction((runs: (() => void)[]) => {
      for (const run of runs) run();
    });
    this.#registerWithImage = this.#db.transaction((document: string, image: NewImage) => {
      const stored = this.#storeImage(image);
      return this.#register(document, stored.image_key, image.descriptor);
    });
  }

  /**
   * The faces under other CPFs resembling this descriptor, after bringing the index up to date with
   * every registration in the database (this process's and any other's on the same file).
   */
  #similarFaces(descriptor: FaceDescriptor, document: string): DuplicateFace[] {
    while (this.#indexMore(INDEX_CHUNK) === INDEX_CHUNK);
    return this.#faces.similarFaces(descriptor, document).map(duplicateFace);
  }

  #migrate(): void {
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    for (let next = version; next < MIGRATIONS.length; next += 1) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[next] ?? '');
        this.#db.pragma(`user_version = ${String(next + 1)}`);
      })();
    }
  }

  #storeImage(image: NewImage): StoredImage {
    const stored: StoredImage = {
      image_key: randomUUID(),
      file_size: image.content.length,
      width_px: image.width,
      height_px: image.height,
      created_at: new Date().toISOString(),
    };
    this.#insertImage.run(
      stored.image_key,
      image.content,
      image.mediaType,
      stored.file_size,
      stored.width_px,
      stored.height_px,
      stored.created_at,
      image.descriptor === undefined ? null : descriptorToBlob(image.descriptor),
    );
    return stored;
  }

  ready(): Promise<void> {
    return settle(() => {
      const version = this.#db.pragma('user_version', { simple: true }) as number;
      if (version < MIGRATIONS.length) {
        throw new Error(`the emulator's database is at migration ${String(version)}; this code needs ${String(MIGRATIONS.length)}`);
      }
      this.#db.prepare('SELECT 1 FROM registrations LIMIT 1').get();
    });
  }

  storeImage(image: NewImage): Promise<StoredImage> {
    return settle(() => this.#storeImage(image));
  }

  findImage(imageKey: string): Promise<StoredImage | undefined> {
    return settle(() => this.#imageByKey.get(imageKey.toLowerCase()));
  }

  /** Adds up to `limit` registrations not yet in the index; answers how many rows it read. */
  #indexMore(limit: number): number {
    let read = 0;
    for (const row of this.#facesAfter.iterate(this.#indexedUpTo, limit)) {
      const stored = descriptorFromBlob(row.face_descriptor);
      if (stored !== undefined) this.#faces.add({ registrationKey: row.registration_key, document: row.document_number }, stored);
      this.#indexedUpTo = row.id;
      read += 1;
    }
    return read;
  }

  async loadFaceIndex(): Promise<void> {
    while (this.#db.open && this.#indexMore(INDEX_CHUNK) === INDEX_CHUNK) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  faceIndexSize(): { faces: number; bytes: number } {
    return { faces: this.#faces.size, bytes: this.#faces.descriptorBytes };
  }

  registerWithKey(document: string, imageKey: string): Promise<StoredRegistration | undefined> {
    return settle(() => {
      const key = imageKey.toLowerCase();
      const descriptor = this.#findImageDescriptor(key);
      if (descriptor === undefined) return undefined;
      return this.#register(document, key, descriptor ?? undefined);
    });
  }

  registerWithImage(document: string, image: NewImage): Promise<StoredRegistration> {
    return settle(() => this.#registerWithImage(document, image));
  }

  findRegistration(registrationKey: string): Promise<StoredRegistration | undefined> {
    return this.#lookUp(() => registrationFromRows(this.#registrationByKey.all(registrationKey.toLowerCase())));
  }

  findRegistrationByDocument(document: string): Promise<StoredRegistration | undefined> {
    return this.#lookUp(() => registrationFromRows(this.#registrationByDocument.all(document)));
  }

  /**
   * A look-up, read at the end of this turn of the event loop with the turn's other look-ups, in
   * one read transaction. A statement on its own is a read transaction, which on a WAL database
   * takes and releases a lock on the file (two fcntl system calls) around 2–3 µs of reading; under
   * load the look-ups of a turn share them (about 35 a turn at 50 connections, measured with
   * scripts/bench/emulator.ts's load). Each sees the data as of the end of the turn its request
   * arrived in.
   */
  #lookUp<T>(read: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        try {
          resolve(read());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      if (this.#lookUps.push(run) === 1) setImmediate(this.#runLookUps);
    });
  }

  readonly #runLookUps = (): void => {
    const runs = this.#lookUps;
    this.#lookUps = [];
    if (runs.length === 1) {
      runs[0]?.();
      return;
    }
    try {
      this.#readTogether(runs);
    } catch {
      // The transaction itself failed (the database closed, say): each look-up again on its own,
      // to settle with its own error. Reading twice is harmless, and settling twice a no-op.
      for (const run of runs) run();
    }
  };

  #findImageDescriptor(imageKey: string): FaceDescriptor | null | undefined {
    const row = this.#imageDescriptor.get(imageKey.toLowerCase());
    if (row === undefined) return undefined;
    return descriptorFromBlob(row.face_descriptor) ?? null;
  }

  findImageDescriptor(imageKey: string): Promise<FaceDescriptor | null | undefined> {
    return settle(() => this.#findImageDescriptor(imageKey));
  }

  findRegistrationForValidation(document: string): Promise<RegistrationForValidation | undefined> {
    return settle(() => {
      const row = this.#newestRegistration.get(document);
      if (row === undefined) return undefined;
      return { registration_key: row.registration_key, created_at: row.created_at, descriptor: descriptorFromBlob(row.face_descriptor) };
    });
  }

  close(): Promise<void> {
    return settle(() => {
      // The look-ups already asked for are answered first.
      if (this.#lookUps.length > 0) this.#runLookUps();
      if (this.#db.open) this.#db.close();
    });
  }
}
