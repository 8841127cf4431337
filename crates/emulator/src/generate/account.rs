//! Users, Accounts and Contacts.
//!
//! Owns the people in the org (the integration user, the CS leader, the CSMs) and each
//! account's own fields and contacts. The values that move scores come from the plan; this
//! module only dresses them.

use chrono::{DateTime, Utc};

use super::dice::{Dice, at, office_minutes, shift};
use super::names::{self, CONTACT_TITLES, FIRST_NAMES, INDUSTRIES, LAST_NAMES};
use super::plan::{Archetype, Context, Inputs, Tier};
use super::stream::{Emitter, GenRecord, RecordRef, Scene};
use super::values::{ACCOUNT, CONTACT, INTEGRATION_USERNAME, USER};

fn user(
    first: &str,
    last: &str,
    username: &str,
    title: &str,
    manager: Option<RecordRef>,
    created: chrono::DateTime<chrono::Utc>,
) -> GenRecord {
    let mut r = GenRecord::new(USER, 10);
    r.text("Username", username);
    r.text("FirstName", first);
    r.text("LastName", last);
    r.text("Email", username);
    let alias: String = first
        .chars()
        .take(1)
        .chain(last.chars())
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    r.text("Alias", alias);
    r.text("Title", title);
    r.flag("IsActive", true);
    if let Some(manager) = manager {
        r.reference("ManagerId", manager);
    }
    r.audit(created, created);
    r
}

/// Emits the integration user, the CS leader and the CSMs; returns the CSMs' references.
pub(super) fn emit_users<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    ctx: &Context,
) -> Vec<RecordRef> {
    let created = at(shift(ctx.today, -2000), 15 * 60);
    out.emit(user(
        "Vitals",
        "Integration",
        INTEGRATION_USERNAME,
        "Integration User",
        None,
        created,
    ));
    let mut dice = Dice::new(ctx.seed, 4, 0);
    let first_offset = dice.below(30);
    let last_offset = dice.below(30);
    // Steps coprime with the pool sizes give distinct names for up to 30 people.
    let person = |k: u64| {
        let first = usize::try_from((first_offset + 7 * k) % 30)
            .ok()
            .and_then(|i| FIRST_NAMES.get(i))
            .copied()
            .unwrap_or("Alex");
        let last = usize::try_from((last_offset + 11 * k) % 30)
            .ok()
            .and_then(|i| LAST_NAMES.get(i))
            .copied()
            .unwrap_or("Smith");
        let username = format!("{}.{}@vitals.example", first, last).to_ascii_lowercase();
        (first, last, username)
    };
    let (first, last, username) = person(0);
    let leader = out.emit(user(
        first,
        last,
        &username,
        "VP Customer Success",
        None,
        created,
    ));
    (1..=u64::from(ctx.csms))
        .map(|k| {
            let (first, last, username) = person(k);
            out.emit(user(
                first,
                last,
                &username,
                "Customer Success Manager",
                Some(leader),
                created,
            ))
        })
        .collect()
}

/// Emits the Account and its Contacts, and records the contacts' ordinals in the scene.
pub(super) fn emit_account<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &mut Scene<'_>,
    dice: &mut Dice,
) {
    let plan = scene.plan;
    let yesterday = shift(scene.today, -1);
    let created = at(plan.created, office_minutes(dice));
    let mut r = GenRecord::new(ACCOUNT, 20);
    r.text("Name", scene.account_name.clone());
    r.text("Type", "Customer");
    r.text("Industry", dice.pick(INDUSTRIES));
    r.reference("OwnerId", scene.owner);
    r.number(
        "AnnualRevenue",
        (plan.arr * dice.between(80.0, 400.0) / 1000.0).round() * 1000.0,
    );
    r.number("ARR__c", plan.arr);
    add_plan_inputs(&mut r, &plan.inputs, dice);
    // Usage fields are refreshed nightly by an integration, so a live account was modified
    // yesterday; a sparse one has not been touched since it was created.
    let modified = if plan.archetype == Archetype::Sparse {
        created
    } else {
        at(yesterday, 2 * 60)
    };
    r.audit(created, modified);
    scene.account = out.emit(r);
    emit_contacts(out, scene, dice, created);
}

/// The account fields the plan's score inputs live in, each only when the plan has it.
fn add_plan_inputs(r: &mut GenRecord, inputs: &Inputs, dice: &mut Dice) {
    if let Some(seats) = inputs.seats {
        r.number("License_Seats__c", f64::from(seats));
        r.number(
            "NumberOfEmployees",
            (f64::from(seats) * dice.between(2.0, 12.0)).round(),
        );
    }
    if let Some(active) = inputs.active {
        r.number("Active_Users__c", f64::from(active));
    }
    if let Some(core) = inputs.core {
        r.number("Core_Feature_Adoption__c", core);
    }
    if let Some(day) = inputs.last_product {
        r.date("Last_Product_Activity__c", day);
    }
    if let Some(score) = inputs.kickoff {
        r.number("Kickoff_Survey_Score__c", f64::from(score));
    }
    if let Some(score) = inputs.uat {
        r.number("UAT_Survey_Score__c", f64::from(score));
    }
    if let Some(sentiment) = inputs.sentiment {
        r.text("CSM_Sentiment__c", sentiment);
        // The package's CSM_Sentiment_Comment_Required rule refuses a Yellow or Red
        // sentiment without its comment; a Green one goes without 30% of the time.
        let commented = dice.chance(0.7);
        if commented || sentiment != "Green" {
            r.text(
                "CSM_Sentiment_Comment__c",
                dice.pick(names::sentiment_comments(sentiment)),
            );
        }
    }
    if let Some(days) = inputs.overdue_days {
        r.number("Invoice_Overdue_Days__c", f64::from(days));
    }
}

/// The account's contacts, more for bigger accounts, none created before the account.
fn emit_contacts<F: FnMut(GenRecord)>(
    out: &mut Emitter<F>,
    scene: &mut Scene<'_>,
    dice: &mut Dice,
    account_created: DateTime<Utc>,
) {
    let plan = scene.plan;
    let yesterday = shift(scene.today, -1);
    let count = match (plan.archetype, plan.tier) {
        (Archetype::Sparse, _) => dice.count(1, 2),
        (_, Tier::Strategic) => dice.count(8, 14),
        (_, Tier::Enterprise) => dice.count(5, 8),
        (_, Tier::MidMarket) => dice.count(3, 5),
        (_, Tier::TechTouch) => dice.count(2, 3),
    };
    let first_contact = out.next(CONTACT).ordinal;
    let domain = names::slug(&scene.account_name);
    for _ in 0..count {
        let first = dice.pick(FIRST_NAMES);
        let last = dice.pick(LAST_NAMES);
        let mut c = GenRecord::new(CONTACT, 10);
        c.reference("AccountId", scene.account);
        c.text("FirstName", first);
        c.text("LastName", last);
        c.text("Title", dice.pick(CONTACT_TITLES));
        c.text(
            "Email",
            format!("{first}.{last}@{domain}.example").to_ascii_lowercase(),
        );
        c.text(
            "Phone",
            format!("+1 555 01{:02} {:04}", dice.below(100), dice.below(10_000)),
        );
        c.reference("OwnerId", scene.owner);
        let day = shift(plan.won, dice.range(-30, 30)).min(yesterday);
        let contact_created = at(day, office_minutes(dice)).max(account_created);
        c.audit(contact_created, contact_created);
        out.emit(c);
    }
    scene.contacts = (first_contact, u64::from(count));
}
