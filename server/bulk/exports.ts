import type { BulkRowStatus } from '../../contract/bulk.ts';
import { cellFor } from '../access/csv.ts';
import type { StoredRow } from './store.ts';
import { shownCpf } from './store.ts';

/*
 * problems.csv and results.csv of a job (decision 013): for Excel in a Brazilian locale (`;`, a
 * byte-order mark, Portuguese headers, CRLF), cells protected against formula injection, the CPF
 * masked (`***.456.789-**`). Written a page of rows at a time as the client takes them.
 */

const BOM = '\uFEFF';
const cell = cellFor(';');
/** Rows read from the store at a time. */
const EXPORT_PAGE = 500;

const PROBLEMS_HEADER = 'linha;cpf;arquivo;problema;image_status;o_que_fazer';
const RESULTS_HEADER = 'linha;cpf;arquivo;situacao;chave_cadastro;titulo;image_status;descricao';

/** A row's outcome in words (a row still pending, ready or sending has none yet). */
const SITUATION: Record<BulkRowStatus, string> = {
  registered: 'cadastrado',
  refused: 'recusado',
  problem: 'com problema',
  already_registered: 'já cadastrado',
  not_sent: 'não enviado',
  pending: 'pendente',
  ready: 'pendente',
  sending: 'pendente',
};

function problemLine(row: StoredRow): string {
  return [row.row, shownCpf(row.cpf), row.file, row.problem, row.imageStatus, row.description].map(cell).join(';');
}

/**
 * A row of a cancelled job still `sending`: sent, and neither its answer nor a look-up of its CPF
 * said whether QI Tech registered it (send.ts, settleCancelled). Neither "registered" nor "not sent"
 * would be true: the file says so, and what to do.
 */
const UNANSWERED = 'sem resposta';
const UNANSWERED_DESCRIPTION =
  'Enviado à QI Tech antes do cancelamento, sem resposta, e a consulta do CPF também não respondeu. Não se sabe se foi cadastrado: consulte o CPF antes de enviá-lo de novo (a verificação de um novo lote faz essa consulta).';

function resultLine(row: StoredRow, cancelled: boolean): string {
  const unanswered = cancelled && row.status === 'sending';
  const title = row.status === 'refused' ? row.refusalTitle : row.status === 'problem' ? row.problem : null;
  const description = row.status === 'refused' || row.status === 'problem' ? row.description : unanswered ? UNANSWERED_DESCRIPTION : null;
  const situation = unanswered ? UNANSWERED : SITUATION[row.status];
  return [row.row, shownCpf(row.cpf), row.file, situation, row.registrationKey, title, row.imageStatus, description].map(cell).join(';');
}

export type PageReader = (afterRow: number, limit: number) => Promise<StoredRow[]>;

/**
 * The CSV's text, page by page. The first page is read before this returns, so a database that
 * fails at once is answered with an error rather than a cut-off 200. `cancelled`: the job is, and
 * its rows still sending are unanswered.
 */
export async function csvExport(
  kind: 'problems' | 'results',
  read: PageReader,
  { cancelled = false }: { cancelled?: boolean } = {},
): Promise<AsyncGenerator<string, void, undefined>> {
  const first = await read(0, EXPORT_PAGE);
  const line = kind === 'problems' ? problemLine : (row: StoredRow) => resultLine(row, cancelled);
  return (async function* () {
    yield `${BOM}${kind === 'problems' ? PROBLEMS_HEADER : RESULTS_HEADER}\r\n`;
    let page = first;
    while (page.length > 0) {
      yield `${page.map(line).join('\r\n')}\r\n`;
      const last = page.at(-1);
      if (page.length < EXPORT_PAGE || last === undefined) return;
      page = await read(last.row, EXPORT_PAGE);
    }
  })();
}
