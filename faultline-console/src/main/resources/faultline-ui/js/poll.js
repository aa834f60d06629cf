// Refreshing a view: run a task now and again after each run, until stopped (the view was left).

/**
 * Runs task() now and every intervalMs after the previous run finished; errors go to onError and do not stop the
 * polling. Returns stop().
 */
export function poll(task, intervalMs, onError) {
  let stopped = false;
  let timer = null;
  const run = async () => {
    if (stopped) return;
    try {
      await task();
      if (onError) onError(null);
    } catch (e) {
      if (onError) onError(e);
    }
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
