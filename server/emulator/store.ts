import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { ImageAnswer } from '../../contract/registration.ts';
import { descriptorFromBlob, descriptorToBlob } from './face-match.ts';
import type { FaceDescriptor } from './face-match.ts';

/** What the emulator keeps of a picture besides its bytes: the answer of POST /face_recognition/image. */
export type StoredImage = Pick<ImageAnswer, 'image_key' | 'file_size' | 'width_px' | 'height_px' | 'created_at'>;

export interface NewImage {
  content: Buffer;
  mediaType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  /** Its face's descriptor (face-match.ts), when the face check computed one. */
  descriptor?: FaceDescriptor | undefined;
}

/** A document's newest registration, as a validation compares with it. */
export interface RegistrationForValidation {
  registration_key: string;
  created_at: string;
  /** Undefined for a picture stored without one (before migration 2, or with the face check off). */
  descriptor: FaceDescriptor | undefined;
}

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
];

/**
 * The emulator's SQLite database. better-sqlite3 is synchronous and this process holds one
 * connection, so statements never interleave; WAL plus busy_timeout lets a second process
 * (say, `npm run emulator` beside `npm start` on the same DATA_DIR) share the file.
 */
export class EmulatorStore {
  readonly #db: Database.Database;
  readonly #insertImage: Database.Statement<[string, Buffer, string, number, number, number, string, Buffer | null]>;
  readonly #imageDescriptor: Database.Statement<[string], { face_descriptor: Buffer | null }>;
  readonly #newestRegistration: Database.Statement<
    [string],
    { registration_key: string; created_at: string; face_descriptor: Buffer | null }
  >;
  readonly #insertRegistration: Database.Statement<[string, string, string, string]>;
  readonly #imageByKey: Database.Statement<[string], StoredImage>;
  readonly #registrationByKey: Database.Statement<[string], string>;
  readonly #registrationByDocument: Database.Statement<[string], string>;
  readonly #registerWithImage: (document: string, image: NewImage) => string;

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
      'INSERT INTO registrations (registration_key, document_number, image_key, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#imageByKey = this.#db.prepare('SELECT image_key, file_size, width_px, height_px, created_at FROM images WHERE image_key = ?');
    this.#registrationByKey = this.#db
      .prepare<[string], string>('SELECT registration_key FROM registrations WHERE registration_key = ?')
      .pluck();
    // The newest registration of a document wins; id grows with every insert.
    this.#registrationByDocument = this.#db
      .prepare<[string], string>('SELECT registration_key FROM registrations WHERE document_number = ? ORDER BY id DESC LIMIT 1')
      .pluck();
    this.#registerWithImage = this.#db.transaction((document: string, image: NewImage) => {
      const stored = this.#storeImage(image);
      return this.registerWithKey(document, stored.image_key) ?? '';
    });
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

  storeImage(image: NewImage): StoredImage {
    return this.#storeImage(image);
  }

  findImage(imageKey: string): StoredImage | undefined {
    return this.#imageByKey.get(imageKey.toLowerCase());
  }

  /** Registers a document with an image this emulator issued; undefined when the key is unknown. */
  registerWithKey(document: string, imageKey: string): string | undefined {
    const key = imageKey.toLowerCase();
    if (this.#imageByKey.get(key) === undefined) return undefined;
    const registrationKey = randomUUID();
    this.#insertRegistration.run(registrationKey, document, key, new Date().toISOString());
    return registrationKey;
  }

  /** Stores the picture and the registration in one transaction: both or neither. */
  registerWithImage(document: string, image: NewImage): string {
    return this.#registerWithImage(document, image);
  }

  findRegistration(registrationKey: string): string | undefined {
    return this.#registrationByKey.get(registrationKey.toLowerCase());
  }

  findRegistrationByDocument(document: string): string | undefined {
    return this.#registrationByDocument.get(document);
  }

  /** A stored picture's descriptor: undefined when the key is unknown, `null` when stored without one. */
  findImageDescriptor(imageKey: string): FaceDescriptor | null | undefined {
    const row = this.#imageDescriptor.get(imageKey.toLowerCase());
    if (row === undefined) return undefined;
    return descriptorFromBlob(row.face_descriptor) ?? null;
  }

  /** The newest registration of a document with its picture's descriptor; undefined when it has none. */
  findRegistrationForValidation(document: string): RegistrationForValidation | undefined {
    const row = this.#newestRegistration.get(document);
    if (row === undefined) return undefined;
    return { registration_key: row.registration_key, created_at: row.created_at, descriptor: descriptorFromBlob(row.face_descriptor) };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
