// Command-line flags of `npm run bench -- [--quick] [--only a,b] [--profile <scenario>]`.

const USAGE = `usage: node bench/run.mjs [--quick] [--only <scenario,...>] [--profile <scenario>] [--keep-profile]
  --quick          3 s per scenario, 2 s per curve point, 5 s of open loop (smoke run);
                   results go to bench/results/<date>-quick.json
  --only           run only these scenarios (ids as printed in the table)
  --profile        start the API under node --cpu-prof, run only this scenario, print the top
                   self-time functions; the summary goes to bench/results/<date>-profile-<id>.json
  --keep-profile   keep the raw .cpuprofile (under bench/.profiles/, git-ignored)
  --api-node-args  extra node flags for the API process, e.g. "--max-semi-space-size=4"
                   (experiments; recorded in the JSON)`;

export function parseArgs(argv) {
  const options = { quick: false, only: null, profile: null, keepProfile: false, apiNodeArgs: [] };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (flag === '--quick') options.quick = true;
    else if (flag === '--keep-profile') options.keepProfile = true;
    else if (flag === '--only') options.only = requireValue(argv, ++index, flag).split(',').filter(Boolean);
    else if (flag === '--profile') options.profile = requireValue(argv, ++index, flag);
    else if (flag === '--api-node-args')
      options.apiNodeArgs = requireValue(argv, ++index, flag, true).split(' ').filter(Boolean);
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return options;
}

/** The flag's value; `dashesAllowed` for values that are themselves flags (node options). */
function requireValue(argv, index, flag, dashesAllowed = false) {
  const value = argv[index];
  if (value === undefined || (!dashesAllowed && value.startsWith('--')))
    throw new Error(`${flag} needs a value\n${USAGE}`);
  return value;
}
