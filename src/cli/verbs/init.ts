import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { OperationError } from '../../domain/errors.js';
import { writeFileAtomic } from '../../state/files.js';
import { resolveRosterPath } from '../../state/paths.js';
import { runVerb, stdio, withGlobals, type CommonOptions } from '../common.js';

export const EXAMPLE_ROSTER = `# fleet roster — every agent fleet knows about. Reference: README "Configuration".
version: 1

tmux:
  # Name of fleet's private tmux server (tmux -L <socket>). Never "default".
  socket: fleet

defaults:
  runtime: claude          # claude | codex | pi | gemini | shell
  cwd: "~"                 # working directory for agents that name none (quote a bare ~: YAML reads it as null)
  busyWindowSecs: 8        # transcript written this recently => busy
  idleSecs: 1800           # the supervisor puts agents idle this long to sleep (only ones fleet woke)
  bootDeadlineSecs: 60     # a woken agent must write its transcript within this => READY
  attachGraceSecs: 600     # after you attach, the supervisor leaves the agent alone this long
  # maxTextBytes: 262144   # send/broadcast refuse longer text

agents:
  # Names: lower case, digits and "-", starting with a letter, at most 32 characters.
  - name: coder0
    runtime: claude
    cwd: "~"
    class: implementer     # free-form group, used by selectors (class:implementer)
    tags: [api]            # selectors: tag:api
    # command: claude --model opus        # overrides the runtime's launch command
    # reset: /clear                       # overrides the runtime's reset command
    # kickstart: "Read TASKS.md and start" # first message of every fresh wake
    # env: { CLAUDE_CONFIG_DIR: ~/.claude-work }
    # managed: external                   # something else owns it: fleet only shows it
    # transcripts: ~/elsewhere            # where its transcripts are, if not the runtime's default
    # idleSecs: 3600

  # - name: reviewer
  #   runtime: codex
  #   cwd: ~/src
  #   class: reviewer
`;

export function register(program: Command): void {
  withGlobals(program.command('init').description('write a commented example roster'))
    .option('--force', 'overwrite an existing roster')
    .action(async (o: CommonOptions & { force?: boolean }) =>
      runVerb(o.json, async () => {
        const file = resolveRosterPath(o);
        if (fs.existsSync(file) && !o.force) {
          throw new OperationError(`${file} already exists; not overwriting it (use --force to replace it)`);
        }
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        // temp + rename: a crash never leaves half a roster, and the file is 0600 even when --force replaces one
        writeFileAtomic(file, EXAMPLE_ROSTER);
        if (o.json) stdio.out(JSON.stringify({ written: file }));
        else stdio.out(`wrote ${file}\nedit it, then run: fleet doctor && fleet top`);
        return 0;
      }),
    );
}
