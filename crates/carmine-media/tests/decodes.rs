//! Large uploads arriving together are decoded a few at a time: memory stays bounded
//! (four 40 MP images at once took a server from 0.4 to 1.4 GB).

use carmine_media::{Media, MediaConfig, MediaStorage, fixtures};
use carmine_store::testing::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_decodes_are_bounded() {
    let t = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let config = MediaConfig { concurrent_decodes_max: 2, ..MediaConfig::default() };
    let media = Media::new(t.db.clone(), config, MediaStorage::new(dir.path()));
    let image = fixtures::png(1_600, 1_600);
    let uploads: Vec<_> = (0..6)
        .map(|_| {
            let (media, image) = (media.clone(), image.clone());
            tokio::spawn(async move { media.prepare(image).await })
        })
        .collect();
    for upload in uploads {
        upload.await.unwrap().expect("every upload is processed in its turn");
    }
    let peak = media.concurrent_decodes_peak();
    assert!((1..=2).contains(&peak), "{peak} decodes at once");
}
