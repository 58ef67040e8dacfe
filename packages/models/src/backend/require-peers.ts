// Imported first by the package's entry (and listed in package.json "sideEffects"): the check must run before
// any model module loads tfjs, so that a missing peer is reported with the command that installs it.
import { assertTfjsPeers } from './peers';

assertTfjsPeers();
