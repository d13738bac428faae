import { hideCpf } from '../../contract/cpf.ts';
import type { DuplicateFace, ImageAnswer } from '../../contract/registration.ts';
import type { SimilarFace } from './face-index.ts';
import type { FaceDescriptor } from './face-match.ts';

/*
 * The emulator's data: pictures (with their face descriptors), registrations and the duplicate
 * faces found on each. One interface, two databases: SQLite (a file in DATA_DIR, or one of its own
 * for `npm run emulator`) and PostgreSQL (DATABASE_URL: the console's instances share it).
 */

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
 * A registration as the emulator answers it: its key and, when its picture has a descriptor, the
 * faces under other CPFs that resemble it (undefined: not compared, the picture has no descriptor).
 */
export interface StoredRegistration {
  registration_key: string;
  duplicate_faces?: DuplicateFace[];
}

/**
 * A registration's row joined with each duplicate found when it was made (one row, its duplicate
 * columns NULL, when none was): so that a look-up is one query, where a registration and then its
 * duplicates were two (and, by CPF, three) — each statement on SQLite is a read transaction of its
 * own, with its file-lock system calls.
 */
export interface RegistrationRow {
  registration_key: string;
  /** SQLite's 0 or 1, PostgreSQL's boolean. */
  compared: number | boolean;
  duplicate_key: string | null;
  duplicate_document: string | null;
  similarity_ratio: number | null;
}

/** The registration of RegistrationRows (in the duplicates' rank order); undefined for none. */
export function registrationFromRows(rows: readonly RegistrationRow[]): StoredRegistration | undefined {
  const [first] = rows;
  if (first === undefined) return undefined;
  if (!first.compared) return { registration_key: first.registration_key };
  const duplicates: DuplicateFace[] = [];
  for (const row of rows) {
    if (row.duplicate_key === null) continue;
    duplicates.push({
      registration_key: row.duplicate_key,
      document_number: hideCpf(row.duplicate_document ?? '') ?? '***.***.***-**',
      similarity_ratio: row.similarity_ratio ?? 0,
    });
  }
  return { registration_key: first.registration_key, duplicate_faces: duplicates };
}

/** Registrations read into the duplicate index at a time (~4 MB of descriptors, tens of ms). */
export const INDEX_CHUNK = 1000;

/** A face of the index as a registration's answer names it: the other CPF hidden. */
export function duplicateFace(face: SimilarFace): DuplicateFace {
  return {
    registration_key: face.registrationKey,
    document_number: hideCpf(face.document) ?? '***.***.***-**',
    similarity_ratio: face.similarityRatio,
  };
}

/**
 * The emulator's store. Every method is asynchronous. Registering compares the new face with every
 * face registered before it, in this process or any other on the same database: the in-memory
 * duplicate index (face-index.ts) catches up by registration id, inside the registration's
 * transaction, before each search.
 */
export interface EmulatorStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Throws unless the database answers and every migration this code knows is applied. */
  ready(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  storeImage(image: NewImage): Promise<StoredImage>;
  findImage(imageKey: string): Promise<StoredImage | undefined>;
  /**
   * Loads the stored faces into the duplicate index a chunk at a time, letting the event loop run
   * between chunks, so a start with a large base answers at once (a registration arriving
   * meanwhile loads the rest itself). Call once after opening.
   */
  loadFaceIndex(): Promise<void>;
  /** How many registered faces the duplicate index holds, and their descriptors' bytes. */
  faceIndexSize(): { faces: number; bytes: number };
  /** Registers a document with an image this emulator issued; undefined when the key is unknown. */
  registerWithKey(document: string, imageKey: string): Promise<StoredRegistration | undefined>;
  /** Stores the picture and the registration (and its duplicates) in one transaction: all or nothing. */
  registerWithImage(document: string, image: NewImage): Promise<StoredRegistration>;
  /** A registration by key, with the duplicates found when it was made. */
  findRegistration(registrationKey: string): Promise<StoredRegistration | undefined>;
  /** A document's newest registration, as findRegistration answers it. */
  findRegistrationByDocument(document: string): Promise<StoredRegistration | undefined>;
  /** A stored picture's descriptor: undefined when the key is unknown, `null` when stored without one. */
  findImageDescriptor(imageKey: string): Promise<FaceDescriptor | null | undefined>;
  /** The newest registration of a document with its picture's descriptor; undefined when it has none. */
  findRegistrationForValidation(document: string): Promise<RegistrationForValidation | undefined>;
}
