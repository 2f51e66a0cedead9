import type { Command } from 'commander';

// One line per command; each command's options and action live in its own file.
export function registerCommands(_program: Command): void {}
