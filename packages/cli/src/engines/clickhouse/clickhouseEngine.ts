import type { ProgramIO } from '../../programIO.js';
import type { ClickhouseBillOptions, ClickhouseBillRun } from './billWithClickhouse.js';
import type { ClickhouseLoad, ClickhouseLoadOptions } from './loadWithClickhouse.js';

/*
 * The entries of the ClickHouse engine. Its modules, and with them the ClickHouse
 * client, are loaded only here, when asked for: the default engine never loads them.
 */

/** `byok bill --engine clickhouse`. */
export async function runClickhouseEngine(logs: readonly string[], options: ClickhouseBillOptions, io: ProgramIO): Promise<ClickhouseBillRun> {
  const { billWithClickhouse } = await import('./billWithClickhouse.js');
  return billWithClickhouse(logs, options, io);
}

/** `byok load clickhouse`. */
export async function runClickhouseLoad(logs: readonly string[], options: ClickhouseLoadOptions, io: ProgramIO): Promise<ClickhouseLoad> {
  const { loadWithClickhouse } = await import('./loadWithClickhouse.js');
  return loadWithClickhouse(logs, options, io);
}
