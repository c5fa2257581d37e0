//! `status_page`: the public status page's title and components (issue 7).

use nines_config::{StatusComponent, StatusPage};

use crate::{errors, parse};

#[test]
fn without_it_the_page_has_one_component_per_service() {
    let c = parse("services:\n  shop: {}\n");
    assert_eq!(c.status_page, StatusPage::default());
}

#[test]
fn components_group_services() {
    let c = parse(
        "services:\n  web: {}\n  checkout: {}\n  payments: {}\n\
         status_page:\n  title: Example Shop status\n  components:\n\
         \x20   - name: Web shop\n      services: [web]\n\
         \x20   - { name: \" Checkout \", description: Cart and payments, services: [checkout, payments, web] }\n",
    );
    assert_eq!(
        c.status_page,
        StatusPage {
            title: Some("Example Shop status".into()),
            components: vec![
                StatusComponent {
                    name: "Web shop".into(),
                    description: None,
                    services: vec!["web".into()],
                },
                StatusComponent {
                    name: "Checkout".into(),
                    description: Some("Cart and payments".into()),
                    services: vec!["checkout".into(), "payments".into(), "web".into()],
                },
            ],
            publish: nines_config::Publish::Confirmed,
        }
    );
}

/// `publish` takes `confirmed` (the default) or `auto`, and says so when
/// given something else.
#[test]
fn publish_is_confirmed_or_auto() {
    let c = parse("services:\n  web: {}\nstatus_page:\n  publish: auto\n");
    assert_eq!(c.status_page.publish, nines_config::Publish::Auto);
    let e = errors("services:\n  web: {}\nstatus_page:\n  publish: always\n");
    assert!(
        e.contains("status_page.publish") && e.contains("confirmed") && e.contains("auto"),
        "{e}"
    );
}

#[test]
fn mistakes_are_reported_with_file_line_and_field() {
    let text = "services:\n  web: {}\n  checkout: {}\n\
                status_page:\n  titel: x\n  components:\n\
                \x20   - name: Web shop\n      services: [web, chekout, web]\n\
                \x20   - name: Web shop\n      services: [checkout]\n\
                \x20   - name: a/b\n      services: web\n\
                \x20   - services: []\n\
                \x20   - { name: Api, services: [Api], colour: red }\n";
    assert_eq!(
        errors(text),
        "nines.yaml:5: status_page: unknown key `titel`; did you mean `title`?\n\
         nines.yaml:8: status_page.components[0].services[2]: service `web` is listed twice; list it once\n\
         nines.yaml:9: status_page.components[1].name: component `Web shop` is already listed at line 7; give each a name of its own\n\
         nines.yaml:11: status_page.components[2].name: `a/b` contains `/`; the name is the badge's file name, so leave it out\n\
         nines.yaml:12: status_page.components[2].services: expected a sequence, found a scalar; write a list: `services: [web]`\n\
         nines.yaml:13: status_page.components[3]: missing required key `name`\n\
         nines.yaml:13: status_page.components[3].services: no services listed; list at least one\n\
         nines.yaml:14: status_page.components[4]: unknown key `colour`; valid keys here are `name`, `description` and `services`\n\
         nines.yaml:14: status_page.components[4].services[0]: `Api` is not a valid service name: use 1 to 63 lowercase letters, digits, `-` and `_`, starting with a letter or digit\n\
         nines.yaml:8: status_page.components[0].services[1]: unknown service `chekout`; did you mean `checkout`?"
    );
}

#[test]
fn an_empty_title_or_component_list_is_refused() {
    assert_eq!(
        errors("services:\n  web: {}\nstatus_page:\n  title: \"\"\n  components: []\n"),
        "nines.yaml:4: status_page.title: the title is empty; give one or leave `title` out\n\
         nines.yaml:5: status_page.components: no components listed; list at least one, or leave `components` out for one per service"
    );
}
