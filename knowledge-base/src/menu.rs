//! The keypad menu, generated from the content: areas (named for the ear in
//! `data/areas.tsv`), then the procedures of an area by their `menu_title`.
//!
//! A level never offers more than nine keys. When there are more entries, keys 1 to 8 keep the
//! first eight (areas in the order of `areas.tsv`, procedures in catalogue order, which puts
//! the most asked first) and key 9 leads to the rest ("altre scelte").

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::ProcedureId;
use crate::procedure::Procedure;

/// The area names shipped with the crate.
pub const SHIPPED_AREAS: &str = include_str!("../data/areas.tsv");

/// The most keys a level offers.
pub const MAX_KEYS: usize = 9;

/// What a menu key leads to when a level has too many entries.
pub const MORE_LABEL: &str = "altre scelte";

/// A problem with the area names or the content they name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MenuError {
    #[error("areas line {line}: expected `area<TAB>menu<TAB>title`")]
    BadLine { line: usize },
    #[error("areas line {line}: area `{area}` is listed twice")]
    DuplicateArea { line: usize, area: String },
    #[error("area `{area}` (procedure {id}) has no spoken name in the areas file")]
    UnnamedArea { area: String, id: ProcedureId },
}

/// How an area is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaName {
    /// What the voice says after "per ...": short, lowercase, no article.
    pub spoken: String,
    /// The written name (web page).
    pub title: String,
}

/// The areas in menu order.
#[derive(Debug, Clone, Default)]
pub struct Areas {
    order: Vec<String>,
    names: BTreeMap<String, AreaName>,
}

impl Areas {
    pub fn parse(text: &str) -> Result<Areas, Vec<MenuError>> {
        let mut areas = Areas::default();
        let mut errors = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = raw.trim_end_matches('\r');
            if raw.trim().is_empty() || raw.starts_with('#') || raw.starts_with("area\t") {
                continue;
            }
            let columns: Vec<&str> = raw.split('\t').map(str::trim).collect();
            let [area, spoken, title] = columns[..] else {
                errors.push(MenuError::BadLine { line });
                continue;
            };
            if area.is_empty() || spoken.is_empty() || title.is_empty() {
                errors.push(MenuError::BadLine { line });
                continue;
            }
            if areas.names.contains_key(area) {
                errors.push(MenuError::DuplicateArea {
                    line,
                    area: area.to_owned(),
                });
                continue;
            }
            areas.order.push(area.to_owned());
            areas.names.insert(
                area.to_owned(),
                AreaName {
                    spoken: spoken.to_owned(),
                    title: title.to_owned(),
                },
            );
        }
        if errors.is_empty() {
            Ok(areas)
        } else {
            Err(errors)
        }
    }

    pub fn shipped() -> Result<Areas, Vec<MenuError>> {
        Areas::parse(SHIPPED_AREAS)
    }

    pub fn name(&self, area: &str) -> Option<&AreaName> {
        self.names.get(area)
    }
}

/// One key of the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MenuItem {
    /// The key to press, 1 to 9, within its level.
    pub key: u8,
    /// What the voice says: "per {spoken} prema {key}".
    pub spoken: String,
    /// The written label.
    pub title: String,
    /// The area this item or its procedures belong to (absent for the top "altre scelte").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// The procedure a leaf leads to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure: Option<ProcedureId>,
    /// The next level (empty for a procedure).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<MenuItem>,
}

/// The whole keypad menu.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Menu {
    pub items: Vec<MenuItem>,
}

impl Menu {
    /// Builds the menu for `procedures` (in catalogue order).
    pub fn build(areas: &Areas, procedures: &[Procedure]) -> Result<Menu, Vec<MenuError>> {
        let mut by_area: BTreeMap<&str, Vec<&Procedure>> = BTreeMap::new();
        let mut errors = Vec::new();
        for procedure in procedures {
            if areas.name(&procedure.area).is_none() {
                if !by_area.contains_key(procedure.area.as_str()) {
                    errors.push(MenuError::UnnamedArea {
                        area: procedure.area.clone(),
                        id: procedure.id.clone(),
                    });
                }
                by_area.entry(&procedure.area).or_default();
                continue;
            }
            by_area.entry(&procedure.area).or_default().push(procedure);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut area_items = Vec::new();
        for area in &areas.order {
            let Some(list) = by_area.get(area.as_str()).filter(|l| !l.is_empty()) else {
                continue;
            };
            let Some(name) = areas.name(area) else {
                continue;
            };
            let leaves: Vec<MenuItem> = list
                .iter()
                .map(|p| MenuItem {
                    key: 0,
                    spoken: p.menu_title.clone(),
                    title: p.title.clone(),
                    area: Some(area.clone()),
                    procedure: Some(p.id.clone()),
                    children: Vec::new(),
                })
                .collect();
            area_items.push(MenuItem {
                key: 0,
                spoken: name.spoken.clone(),
                title: name.title.clone(),
                area: Some(area.clone()),
                procedure: None,
                children: paginate(leaves, Some(area)),
            });
        }
        Ok(Menu {
            items: paginate(area_items, None),
        })
    }

    /// The item reached by pressing `keys` in order from the top.
    pub fn find(&self, keys: &[u8]) -> Option<&MenuItem> {
        let (first, rest) = keys.split_first()?;
        let mut item = self.items.iter().find(|i| i.key == *first)?;
        for key in rest {
            item = item.children.iter().find(|i| i.key == *key)?;
        }
        Some(item)
    }

    /// Every procedure reachable from the menu, depth first.
    pub fn procedures(&self) -> Vec<&ProcedureId> {
        fn walk<'a>(items: &'a [MenuItem], out: &mut Vec<&'a ProcedureId>) {
            for item in items {
                out.extend(item.procedure.as_ref());
                walk(&item.children, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }
}

/// Numbers the items 1..; past nine, the ninth key leads to the rest.
fn paginate(mut items: Vec<MenuItem>, area: Option<&String>) -> Vec<MenuItem> {
    if items.len() > MAX_KEYS {
        let rest = items.split_off(MAX_KEYS - 1);
        items.push(MenuItem {
            key: 0,
            spoken: MORE_LABEL.to_owned(),
            title: "Altre scelte".to_owned(),
            area: area.cloned(),
            procedure: None,
            children: paginate(rest, area),
        });
    }
    for (i, item) in items.iter_mut().enumerate() {
        item.key = u8::try_from(i + 1).unwrap_or(u8::MAX);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn areas() -> Areas {
        Areas::parse("area\tmenu\ttitle\nb\tarea bi\tArea B\na\tarea a\tArea A\n").unwrap()
    }

    fn procedures(area: &str, count: usize) -> Vec<Procedure> {
        (1..=count)
            .map(|i| Procedure::for_test(&format!("{area}.p{i}"), &format!("Pratica {i}")))
            .collect()
    }

    /// The menu as lines "keys: spoken" for readable assertions.
    fn outline(menu: &Menu) -> Vec<String> {
        fn walk(items: &[MenuItem], prefix: &str, out: &mut Vec<String>) {
            for item in items {
                let keys = format!("{prefix}{}", item.key);
                out.push(format!("{keys}: {}", item.spoken));
                walk(&item.children, &keys, out);
            }
        }
        let mut out = Vec::new();
        walk(&menu.items, "", &mut out);
        out
    }

    #[test]
    fn areas_in_file_order_then_procedures() {
        let mut list = procedures("a", 2);
        list.extend(procedures("b", 1));
        let menu = Menu::build(&areas(), &list).unwrap();
        assert_eq!(
            outline(&menu),
            [
                "1: area bi",
                "11: Pratica 1",
                "2: area a",
                "21: Pratica 1",
                "22: Pratica 2",
            ]
        );
        assert_eq!(
            menu.find(&[2, 2])
                .and_then(|i| i.procedure.as_ref())
                .map(ProcedureId::as_str),
            Some("a.p2")
        );
        assert_eq!(menu.find(&[3]), None);
    }

    #[test]
    fn more_than_nine_are_split_with_key_nine() {
        let menu = Menu::build(&areas(), &procedures("a", 20)).unwrap();
        let outline = outline(&menu);
        assert_eq!(menu.items[0].children.len(), 9, "{outline:?}");
        assert_eq!(outline[9], "19: altre scelte");
        assert_eq!(outline[10], "191: Pratica 9");
        assert_eq!(outline[18], "199: altre scelte");
        assert_eq!(outline[19], "1991: Pratica 17");
        assert_eq!(menu.procedures().len(), 20);
        fn check(items: &[MenuItem]) {
            assert!(items.len() <= MAX_KEYS);
            for item in items {
                check(&item.children);
            }
        }
        check(&menu.items);
    }

    #[test]
    fn exactly_nine_need_no_split() {
        let menu = Menu::build(&areas(), &procedures("a", 9)).unwrap();
        assert_eq!(menu.items[0].children.len(), 9);
        assert!(menu.items[0].children.iter().all(|i| i.procedure.is_some()));
    }

    #[test]
    fn an_area_without_a_spoken_name_is_an_error() {
        let errors = Menu::build(&areas(), &procedures("c", 1)).unwrap_err();
        assert_eq!(
            errors,
            [MenuError::UnnamedArea {
                area: "c".into(),
                id: ProcedureId::parse("c.p1").unwrap()
            }]
        );
    }

    #[test]
    fn shipped_areas_name_every_catalogue_area() {
        let areas = Areas::shipped().unwrap();
        let catalogue = crate::Catalogue::parse(
            std::path::Path::new("catalogue.tsv"),
            include_str!("../catalogue.tsv"),
        )
        .unwrap();
        for area in catalogue.areas() {
            assert!(areas.name(area).is_some(), "{area}");
        }
    }
}
