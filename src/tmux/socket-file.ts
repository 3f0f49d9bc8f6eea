import fs from 'node:fs';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** Where tmux puts `-L <socket>`: `$TMUX_TMPDIR` (else /tmp, never $TMPDIR) + `/tmux-<uid>/<socket>`. */
export function socketFile(socket: string, env: Env = process.env, uid: number = process.getuid?.() ?? 0): string {
  return path.join(env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`, socket);
}

/**
 * Why fleet must not use this socket, or null. A socket file owned by another user is someone else's
 * server: fleet neither lists nor drives it (root could, which is exactly why it must not).
 */
export function socketOwnerProblem(socket: string, env: Env = process.env, uid: number = process.getuid?.() ?? 0): string | null {
  const file = socketFile(socket, env, uid);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return null; // no server yet: fleet starts its own
  }
  if (st.uid !== uid) return `the tmux socket ${file} is owned by uid ${st.uid}, not by you (uid ${uid})`;
  if (!st.isSocket()) return `${file} is not a socket`;
  return null;
}
