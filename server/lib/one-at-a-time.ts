/**
 * A queue of its own that runs the tasks given to it one after the other, in the order given; a
 * task that fails does not stop the next. (The pictures' decodes, and the detections of one
 * thread's Human.)
 */
export function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
}
