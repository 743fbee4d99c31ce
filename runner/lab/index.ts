// The lab's programmatic surface, for tests, benchmarks and the demo.
export { labUp, type UpOptions, type LabUpResult } from './up.js';
export { labDown, labTraces } from './down.js';
export { labStatus, type LabStatus, type HostStatus } from './status.js';
export { labExec, type ExecResult, type ExecOptions } from './exec.js';
export { labCommand } from './command.js';
export { readLab, type LabInfo, type LabHost, type LabFilesInfo } from './state.js';
export { LabError, machineProblem, EXIT_UNSUPPORTED } from './preflight.js';
export { DEFAULT_NAME, SUDO_USER, SUITES, stateDir, cacheRoot, type Suite } from './paths.js';
