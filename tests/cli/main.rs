//! The CLI test binary: every test runs the real `gmm` binary against real
//! temporary RocksDB stores, in a hermetic environment (cleared variables, a
//! temporary HOME, NO_COLOR=1).

mod audit;
mod batch;
mod bundles;
mod conventions;
mod crash;
mod devices;
mod init;
mod laws;
mod ops;
mod peers;
mod readme;
mod scenarios;
mod shapes;
mod snapshots;
mod store;
mod support;
mod views;
