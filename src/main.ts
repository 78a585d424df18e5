// Entry point placeholder; replaced by the phase runner.
import * as core from '@actions/core';
core.info('vcluster-etcd-migrate');
