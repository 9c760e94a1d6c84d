//! Password hashing with Argon2id in `spawn_blocking` (it takes tens of milliseconds
//! by design and must not stall the async runtime).

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use carmine_core::Error;

use crate::config::Argon2Params;

#[derive(Clone, Copy)]
pub struct PasswordHasher {
    params: Argon2Params,
}

impl PasswordHasher {
    pub fn new(params: Argon2Params) -> Self {
        // Fail at start-up, not at the first sign-up.
        argon2(params);
        PasswordHasher { params }
    }

    /// A PHC string (`$argon2id$v=19$m=…`) that records its own parameters.
    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let params = self.params;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            argon2(params).hash_password(password.as_bytes()).map(|hash| hash.to_string()).map_err(Error::internal)
        })
        .await
        .map_err(Error::internal)?
    }

    /// True when `password` matches `phc`. A missing hash (erased or imported
    /// account) still costs one hash, so timing does not reveal which accounts exist.
    pub async fn verify(&self, phc: Option<&str>, password: &str) -> Result<bool, Error> {
        let params = self.params;
        let phc = phc.map(str::to_owned);
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => {
                // Verify with the parameters recorded in the hash, not today's.
                match Argon2::default().verify_password(password.as_bytes(), phc.as_str()) {
                    Ok(()) => Ok(true),
                    Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(other) => Err(Error::internal(other)),
                }
            }
            None => {
                let _ = argon2(params).hash_password(password.as_bytes());
                Ok(false)
            }
        })
        .await
        .map_err(Error::internal)?
    }
}

fn argon2(params: Argon2Params) -> Argon2<'static> {
    let params = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
        .expect("argon2 parameters out of range");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_record_their_parameters() {
        let hasher = PasswordHasher::new(Argon2Params::TEST_ONLY_MINIMAL);
        let hash = hasher.hash("correct horse 电池").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert!(hasher.verify(Some(&hash), "correct horse 电池").await.unwrap());
        assert!(!hasher.verify(Some(&hash), "correct horse").await.unwrap());
        assert!(!hasher.verify(None, "anything").await.unwrap());
        assert_ne!(hash, hasher.hash("correct horse 电池").await.unwrap(), "salted");
    }
}
