// Manual testing without the main CLI: `npx tsx runner/lab/cli-dev.ts up --web 3`.
import { labCommand } from './command.js';

process.exitCode = await labCommand(process.argv.slice(2));
