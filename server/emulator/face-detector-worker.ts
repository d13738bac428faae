/*
 * A worker thread of face-detector.ts's pool (piscina): its own Human, loaded as the thread
 * starts (so that the first picture does not wait ~250 ms for the models), then one detection per
 * task, the pixels moved here rather than copied.
 */
import { detectIn, loadFaceDetector } from './human-detector.ts';

// A failed load is reported by the first task's own call, which tries again.
loadFaceDetector().catch(() => undefined);

export default detectIn;
