import cliPackage from '../package.json' with { type: 'json' };

/** The CLI's version, from its package.json (one source of truth). */
export const VERSION: string = cliPackage.version;
