//! scripts/fuzz.sh may link an already built RocksDB (ROCKSDB_LIB_DIR) rather
//! than compile it again; that path does not link the C++ runtime, so name it.
fn main() {
    if std::env::var_os("ROCKSDB_LIB_DIR").is_some() {
        println!("cargo:rustc-link-lib=stdc++");
    }
    println!("cargo:rerun-if-env-changed=ROCKSDB_LIB_DIR");
}
