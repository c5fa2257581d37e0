//! nines-chaos through real sockets on loopback: each toxic's effect
//! measured on a live connection, and the control API answering the calls
//! toxiproxy's clients make with toxiproxy's codes and bodies. Issue 19.

mod api;
mod toxics;
mod util;
