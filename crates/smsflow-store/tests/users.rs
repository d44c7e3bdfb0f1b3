//! Users in the store, on every backend: roles given by the migration, the owner who always stays,
//! invitations and reset links that work once.

use smsflow_store::testing;
use smsflow_store::{AdminCreation, Author, Role, Store, StoreError};

async fn account(store: &dyn Store, email: &str, role: Role) -> uuid::Uuid {
    store
        .create_admin(
            email,
            "$argon2id$hash",
            AdminCreation::Operator(role),
            &Author::system(),
        )
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn the_migration_makes_the_oldest_admin_the_owner_and_the_others_admins() {
    let db = testing::sqlite();
    // The database as it was before roles: every migration up to 0024.
    let pool = testing::sqlite_before(&db, 25, true).await;
    for (email, created_at) in [
        ("later@example.com", "2026-02-01T00:00:00Z"),
        ("first@example.com", "2026-01-01T00:00:00Z"),
    ] {
        sqlx::query("INSERT INTO admins (id, email, email_key, password_hash, created_at) VALUES ($1, $2, $2, 'h', $3)")
            .bind(uuid::Uuid::now_v7())
            .bind(email)
            .bind(created_at)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = db.store().await;
    let roles: Vec<(String, Role)> = store
        .list_admins()
        .await
        .unwrap()
        .into_iter()
        .map(|admin| (admin.email, admin.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("first@example.com".to_string(), Role::Owner),
            ("later@example.com".to_string(), Role::Admin)
        ]
    );
}

#[tokio::test]
async fn there_is_always_an_owner() {
    for db in testing::all().await {
        let store = db.store().await;
        let owner = account(store.as_ref(), "ann@example.com", Role::Viewer).await;
        assert_eq!(
            store.get_admin(owner).await.unwrap().role,
            Role::Owner,
            "{}: the first account",
            db.label
        );
        let admin = account(store.as_ref(), "bob@example.com", Role::Admin).await;
        for refused in [
            store
                .set_admin_role(owner, Role::Admin, &Author::system())
                .await
                .map(|_| ()),
            store
                .delete_admin(owner, &Author::system())
                .await
                .map(|_| ()),
        ] {
            assert!(
                matches!(&refused, Err(StoreError::Refused(message)) if message.contains("only owner")),
                "{}: {refused:?}",
                db.label
            );
        }
        assert_eq!(store.get_admin(owner).await.unwrap().role, Role::Owner);
        store
            .set_admin_role(admin, Role::Owner, &Author::system())
            .await
            .unwrap();
        store
            .set_admin_role(owner, Role::Agent, &Author::system())
            .await
            .unwrap();
        let session = store
            .create_admin_session(owner, time::Duration::hours(1))
            .await
            .unwrap();
        store.delete_admin(owner, &Author::system()).await.unwrap();
        assert!(
            store.admin_session(&session.token).await.unwrap().is_none(),
            "{}: sessions end",
            db.label
        );
    }
}

#[tokio::test]
async fn invitations_and_reset_links_work_once() {
    for db in testing::all().await {
        let store = db.store().await;
        let owner = account(store.as_ref(), "ann@example.com", Role::Owner).await;
        let by = Author::admin("ann@example.com");
        let first = store
            .create_invite("Cy@Example.com", Role::Agent, time::Duration::days(7), &by)
            .await
            .unwrap();
        let second = store
            .create_invite("cy@example.com", Role::Viewer, time::Duration::days(7), &by)
            .await
            .unwrap();
        assert!(
            store.find_invite(&first.token).await.unwrap().is_none(),
            "{}: a new invitation replaces the old",
            db.label
        );
        assert_eq!(
            store.list_invites().await.unwrap(),
            vec![second.invite.clone()]
        );
        let cy = store
            .accept_invite(&second.token, "$argon2id$cy")
            .await
            .unwrap();
        assert_eq!(
            (cy.email.as_str(), cy.role),
            ("cy@example.com", Role::Viewer)
        );
        assert!(matches!(
            store.accept_invite(&second.token, "x").await,
            Err(StoreError::Refused(_))
        ));
        assert!(store.list_invites().await.unwrap().is_empty());
        assert!(matches!(
            store
                .create_invite("ann@example.com", Role::Admin, time::Duration::days(1), &by)
                .await,
            Err(StoreError::AdminEmailTaken(_))
        ));

        let session = store
            .create_admin_session(cy.id, time::Duration::hours(1))
            .await
            .unwrap();
        let old = store
            .create_password_reset(cy.id, time::Duration::hours(1), &by)
            .await
            .unwrap();
        let link = store
            .create_password_reset(cy.id, time::Duration::hours(1), &by)
            .await
            .unwrap();
        assert!(
            store.password_reset_admin(&old).await.unwrap().is_none(),
            "{}: one link per user",
            db.label
        );
        assert_eq!(
            store.password_reset_admin(&link).await.unwrap().unwrap().id,
            cy.id
        );
        store
            .use_password_reset(&link, "$argon2id$new")
            .await
            .unwrap();
        assert!(matches!(
            store.use_password_reset(&link, "x").await,
            Err(StoreError::Refused(_))
        ));
        assert!(
            store.admin_session(&session.token).await.unwrap().is_none(),
            "{}: sessions end",
            db.label
        );
        let credentials = store
            .admin_credentials("cy@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(credentials.password_hash, "$argon2id$new");
        let expired = store
            .create_password_reset(owner, time::Duration::seconds(-1), &by)
            .await
            .unwrap();
        assert!(
            store
                .password_reset_admin(&expired)
                .await
                .unwrap()
                .is_none()
        );
    }
}
