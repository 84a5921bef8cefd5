/**
 * Ctrl-C (SIGINT) and SIGTERM during a long command (`repo backup`, `repo restore`): the first one asks the
 * operation to stop cleanly, which releases the repository's lock and leaves nothing half-written behind;
 * killing the process outright would leave a stale lock for `unlock` to remove. A second signal quits at
 * once, for the operator who cannot wait.
 */
export async function withInterrupt<T>(
  stderr: NodeJS.WritableStream,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      stderr.write(`${name} again: quitting without cleaning up (run \`lifeboat repo unlock\` later)\n`);
      process.exit(130);
    }
    stderr.write(`${name}: stopping cleanly (send it again to quit at once)\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The exit code of a command stopped by a signal (128 + SIGINT's number), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;
