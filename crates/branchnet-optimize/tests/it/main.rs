//! branchnet-optimize against published references: PySAL spopt's San Francisco case and OR-Library.

mod orlib_pmed;
mod spopt_sf;
