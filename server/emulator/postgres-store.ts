import { randomUUID } from 'node:crypto';
import type { DuplicateFace } from '../../contract/registration.ts';
import { LOCK, checkMigrated, connectPostgres, lockForTransaction, migrate } from '../lib/postgres.ts';
import type { Queryable, Sql } from '../lib/postgres.ts';
import { FaceIndex } from './face-index.ts';
import { DESCRIPTOR_LENGTH, descriptorFromBlob, descriptorToBlob } from './face-match.ts';
import type { FaceDescriptor } from './face-match.ts';
import { INDEX_CHUNK, duplicateFace, registrationFromRows } from './store.ts';
import type { EmulatorStore, NewImage, RegistrationForValidation, RegistrationRow, StoredImage, StoredRegistration } from './store.ts';

/**
 * The emulator's tables in PostgreSQL, recorded in schema_migrations as store `emulator`
 * (lib/postgres.ts). The same data as SQLite's three migrations (sqlite-store.ts), in one.
 */
export const MIGRATIONS = [
  `CREATE TABLE images (
     image_key       text        PRIMARY KEY,
     content         bytea       NOT NULL,
     media_type      text        NOT NULL,
     file_size       integer     NOT NULL,
     width_px        integer     NOT NULL,
     height_px       integer     NOT NULL,
     created_at      timestamptz NOT NULL,
     -- human's faceres descriptor, Float32 little-endian (face-match.ts); NULL with the face check off.
     face_descriptor bytea
   );
   -- JPEG and PNG are compressed already: stored out of line as they are, not compressed again.
   ALTER TABLE images ALTER COLUMN content SET STORAGE EXTERNAL;
   CREATE TABLE registrations (
     -- Grows with every insert: the duplicate index catches up by it (face-index.ts).
     id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     registration_key text        NOT NULL UNIQUE,
     document_number  text        NOT NULL,
     image_key        text        NOT NULL REFERENCES images (image_key),
     created_at       timestamptz NOT NULL,
     -- Compared with the faces before it (its picture has a descriptor): its duplicates are below.
     compared         boolean     NOT NULL DEFAULT false
   );
   CREATE INDEX registrations_by_document ON registrations (document_number, id);
   CREATE TABLE registration_duplicates (
     registration_key       text    NOT NULL REFERENCES registrations (registration_key),
     rank                   integer NOT NULL,
     other_registration_key text    NOT NULL REFERENCES registrations (registration_key),
     similarity_ratio       integer NOT NULL,
     PRIMARY KEY (registration_key, rank)
   );`,
];

interface FaceRow {
  id: number;
  registration_key: string;
  document_number: string;
  face_descriptor: Buffer;
}

/**
 * The emulator's data in PostgreSQL (DATABASE_URL): every instance of the console registers into
 * it, and each compares a new face with every face registered before it, by any instance. A
 * registration with a descriptor takes an advisory transaction lock before its search: so the
 * registrations that are searched are inserted (and get their ids) one at a time, in the order
 * they commit, and the index, read by id, never skips one.
 */
export class PostgresEmulatorStore implements EmulatorStore {
  readonly kind = 'postgres';
  readonly #sql: Sql;
  /** Every registered face with a descriptor, up to registration #indexedUpTo. */
  readonly #faces = new FaceIndex(DESCRIPTOR_LENGTH);
  #indexedUpTo = 0;
  #closed = false;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async ready(): Promise<void> {
    await checkMigrated(this.#sql, 'emulator', MIGRATIONS.length);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sql.end({ timeout: 5 });
  }

  async #insertImage(sql: Queryable, image: NewImage): Promise<StoredImage> {
    const stored: StoredImage = {
      image_key: randomUUID(),
      file_size: image.content.length,
      width_px: image.width,
      height_px: image.height,
      created_at: new Date().toISOString(),
    };
    const descriptor = image.descriptor === undefined ? null : descriptorToBlob(image.descriptor);
    await sql`
      INSERT INTO images (image_key, content, media_type, file_size, width_px, height_px, created_at, face_descriptor)
      VALUES (${stored.image_key}, ${image.content}, ${image.mediaType}, ${stored.file_size}, ${stored.width_px}, ${stored.height_px},
              ${stored.created_at}::timestamptz, ${descriptor})`;
    return stored;
  }

  storeImage(image: NewImage): Promise<StoredImage> {
    return this.#insertImage(this.#sql, image);
  }

  async findImage(imageKey: string): Promise<StoredImage | undefined> {
    const [row] = await this.#sql<(Omit<StoredImage, 'created_at'> & { created_at: Date })[]>`
      SELECT image_key, file_size, width_px, height_px, created_at FROM images WHERE image_key = ${imageKey.toLowerCase()}`;
    return row === undefined ? undefined : { ...row, created_at: row.created_at.toISOString() };
  }

  /**
   * Reads up to `limit` registered faces after the index's last one and adds them; answers how
   * many rows it read. Concurrent catch-ups of this process (the loader at start, registrations)
   * may read the same rows: each is added once, in id order, by whichever applies it first.
   */
  async #indexMore(sql: Queryable, limit: number): Promise<number> {
    const rows = await sql<FaceRow[]>`
      SELECT r.id, r.registration_key, r.document_number, i.face_descriptor FROM registrations r
      JOIN images i ON i.image_key = r.image_key
      WHERE r.id > ${this.#indexedUpTo} AND i.face_descriptor IS NOT NULL ORDER BY r.id LIMIT ${limit}`;
    for (const row of rows) {
      if (row.id <= this.#indexedUpTo) continue;
      const stored = descriptorFromBlob(row.face_descriptor);
      if (stored !== undefined) this.#faces.add({ registrationKey: row.registration_key, document: row.document_number }, stored);
      this.#indexedUpTo = row.id;
    }
    return rows.length;
  }

  async loadFaceIndex(): Promise<void> {
    while (!this.#closed && (await this.#indexMore(this.#sql, INDEX_CHUNK)) === INDEX_CHUNK) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  faceIndexSize(): { faces: number; bytes: number } {
    return { faces: this.#faces.size, bytes: this.#faces.descriptorBytes };
  }

  /**
   * The registration, in the caller's transaction. With a descriptor: under the registrations'
   * lock, the index brought up to every face registered before (by any instance), searched, and
   * the registration and its duplicates inserted before the lock is let go at commit.
   */
  async #register(tx: Queryable, document: string, imageKey: string, descriptor: FaceDescriptor | undefined): Promise<StoredRegistration> {
    const registrationKey = randomUUID();
    let duplicates: DuplicateFace[] | undefined;
    if (descriptor !== undefined) {
      await lockForTransaction(tx, LOCK.registrations);
      while ((await this.#indexMore(tx, INDEX_CHUNK)) === INDEX_CHUNK);
      duplicates = this.#faces.similarFaces(descriptor, document).map(duplicateFace);
    }
    await tx`
      INSERT INTO registrations (registration_key, document_number, image_key, created_at, compared)
      VALUES (${registrationKey}, ${document}, ${imageKey}, ${new Date().toISOString()}::timestamptz, ${duplicates !== undefined})`;
    if (duplicates !== undefined && duplicates.length > 0) {
      const rows = duplicates.map((face, rank) => ({
        registration_key: registrationKey,
        rank,
        other_registration_key: face.registration_key,
        similarity_ratio: face.similarity_ratio,
      }));
      await tx`INSERT INTO registration_duplicates ${tx(rows)}`;
    }
    return duplicates === undefined
      ? { registration_key: registrationKey }
      : { registration_key: registrationKey, duplicate_faces: duplicates };
  }

  async registerWithKey(document: string, imageKey: string): Promise<StoredRegistration | undefined> {
    const key = imageKey.toLowerCase();
    const descriptor = await this.findImageDescriptor(key);
    if (descriptor === undefined) return undefined;
    return this.#sql.begin<StoredRegistration>((tx) => this.#register(tx, document, key, descriptor ?? undefined));
  }

  registerWithImage(document: string, image: NewImage): Promise<StoredRegistration> {
    return this.#sql.begin<StoredRegistration>(async (tx) => {
      // The picture first, outside the lock: only the search and the registration's insert wait for it.
      const stored = await this.#insertImage(tx, image);
      return this.#register(tx, document, stored.image_key, image.descriptor);
    });
  }

  /** A registration with its duplicates, in one query (store.ts: RegistrationRow); `where` picks its row of `r`. */
  async #registrationWhere(where: ReturnType<Sql>): Promise<StoredRegistration | undefined> {
    return registrationFromRows(
      await this.#sql<RegistrationRow[]>`
      SELECT r.registration_key, r.compared,
        o.registration_key AS duplicate_key, o.document_number AS duplicate_document, d.similarity_ratio
      FROM registrations r
      LEFT JOIN registration_duplicates d ON d.registration_key = r.registration_key
      LEFT JOIN registrations o ON o.registration_key = d.other_registration_key
      WHERE ${where} ORDER BY d.rank`,
    );
  }

  findRegistration(registrationKey: string): Promise<StoredRegistration | undefined> {
    return this.#registrationWhere(this.#sql`r.registration_key = ${registrationKey.toLowerCase()}`);
  }

  findRegistrationByDocument(document: string): Promise<StoredRegistration | undefined> {
    // The newest registration of a document wins; id grows with every insert.
    return this.#registrationWhere(
      this.#sql`r.id = (SELECT id FROM registrations WHERE document_number = ${document} ORDER BY id DESC LIMIT 1)`,
    );
  }

  async findImageDescriptor(imageKey: string): Promise<FaceDescriptor | null | undefined> {
    const [row] = await this.#sql<{ face_descriptor: Buffer | null }[]>`
      SELECT face_descriptor FROM images WHERE image_key = ${imageKey.toLowerCase()}`;
    if (row === undefined) return undefined;
    return descriptorFromBlob(row.face_descriptor) ?? null;
  }

  async findRegistrationForValidation(document: string): Promise<RegistrationForValidation | undefined> {
    const [row] = await this.#sql<{ registration_key: string; created_at: Date; face_descriptor: Buffer | null }[]>`
      SELECT r.registration_key, r.created_at, i.face_descriptor FROM registrations r JOIN images i ON i.image_key = r.image_key
      WHERE r.document_number = ${document} ORDER BY r.id DESC LIMIT 1`;
    if (row === undefined) return undefined;
    return {
      registration_key: row.registration_key,
      created_at: row.created_at.toISOString(),
      descriptor: descriptorFromBlob(row.face_descriptor),
    };
  }
}

/** DATABASE_URL's emulator store, its migrations applied first (once, whatever the instances starting together). */
export async function openPostgresEmulatorStore(url: string): Promise<PostgresEmulatorStore> {
  const sql = connectPostgres(url, { max: 5 });
  try {
    await migrate(sql, 'emulator', MIGRATIONS);
    return new PostgresEmulatorStore(sql);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
}
