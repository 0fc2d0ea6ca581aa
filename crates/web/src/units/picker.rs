//! Units picked from the tree instead of typed as codes: the choices a form offers, each unit
//! under its parent, in a list that works without JavaScript (`layout/units.html`). The field
//! still sends the unit's code, so the handlers read what they always read.

use domain::text;
use domain::units::{UnitId, tree_order};
use storage::units::UnitFilter;
use storage::{Paging, Store};

/// One unit as a form offers it.
#[derive(Clone, Debug)]
pub struct UnitChoice {
    pub code: String,
    /// Its name and code, indented by its depth in the tree.
    pub label: String,
    pub selected: bool,
}

/// The units in the subtrees of `roots`, in tree order. Those no longer in force stay, marked
/// with their last day: the register keeps history, and a former district is still the parent
/// of its former communes.
pub async fn unit_choices(store: &Store, roots: &[UnitId], now_ms: i64) -> Result<Vec<UnitChoice>, storage::Error> {
    let today = text::vn_datetime(now_ms).date();
    let units = store.units(roots, &UnitFilter::default(), Paging::ALL).await?.items;
    let links: Vec<(UnitId, Option<UnitId>)> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    Ok(tree_order(&links)
        .into_iter()
        .map(|(n, depth)| {
            let unit = &units[n];
            let ended = match unit.validity.to {
                Some(last) if last < today => format!(", hoạt động đến {}", text::format_date(last)),
                _ => String::new(),
            };
            // No-break spaces: a list box keeps them where it folds ordinary ones.
            let indent = "\u{a0}\u{a0}\u{a0}".repeat(depth);
            UnitChoice { code: unit.code.clone(), label: format!("{indent}{} (mã {}{ended})", unit.name, unit.code), selected: false }
        })
        .collect())
}

/// The choices with `chosen` marked. A chosen code that is not among them (a unit no longer in
/// force, or out of reach) is kept as a choice of its own, so that saving the form never changes
/// it silently.
pub fn picked(choices: &[UnitChoice], chosen: &str) -> Vec<UnitChoice> {
    let chosen = chosen.trim();
    let mut list: Vec<UnitChoice> = choices.iter().map(|c| UnitChoice { selected: c.code == chosen, ..c.clone() }).collect();
    if !chosen.is_empty() && !list.iter().any(|c| c.selected) {
        list.insert(0, UnitChoice { code: chosen.to_string(), label: format!("Đơn vị mã {chosen}"), selected: true });
    }
    list
}
