// `node undo-cli.ts <journal>`: undoes a real cluster's host changes (the janitor of a test run
// that was killed runs this).
import { undoJournal } from './undo.ts';

const journal = process.argv[2];
if (journal === undefined) {
  process.stderr.write('usage: node test/harness/realnode/undo-cli.ts <journal.json>\n');
  process.exit(2);
}
await undoJournal(journal);
