//! `nines token new`: fresh API tokens. Only their SHA-256 goes into config.

use std::process::ExitCode;

use crate::cli::{Output, RoleArg};

/// A random token: `nines_` and 32 random bytes in hex.
pub fn generate() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(format!(
        "nines_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

pub fn new(role: RoleArg, name: &str, output: Output) -> anyhow::Result<ExitCode> {
    let role = match role {
        RoleArg::Reader => "reader",
        RoleArg::Writer => "writer",
        RoleArg::Responder => "responder",
        RoleArg::Admin => "admin",
    };
    let token = generate()?;
    let hash = nines_config::hash_token(&token);
    match output {
        Output::Json => {
            println!(
                "{}",
                serde_json::json!({ "token": token, "name": name, "role": role, "hash": hash })
            );
        }
        Output::Text => {
            println!("token: {token}");
            println!();
            println!(
                "Add this line under auth.tokens in your config; the token itself is stored nowhere:"
            );
            println!("  - {{ name: {name}, role: {role}, hash: \"{hash}\" }}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
