//! One Kubernetes object to apply, whatever its kind: built from a k8s-openapi type, kept as
//! the JSON the API server receives, with what apply, wait and render need to address it.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// An object as fabcheck applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// `apps/v1`, `v1`.
    pub api_version: String,
    /// `StatefulSet`.
    pub kind: String,
    /// The resource's plural (`statefulsets`), for the API path.
    pub plural: String,
    /// `None` for cluster-scoped objects (Namespaces).
    pub namespace: Option<String>,
    pub name: String,
    /// The whole object, apiVersion and kind included.
    pub body: serde_json::Value,
}

impl Object {
    /// Wraps a typed object. Its metadata must carry a name.
    pub fn new<K>(object: &K) -> Object
    where
        K: k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta> + Serialize,
    {
        let meta = object.metadata();
        let mut body = serde_json::to_value(object).expect("k8s-openapi types serialize");
        if let Some(map) = body.as_object_mut() {
            map.insert("apiVersion".into(), K::API_VERSION.into());
            map.insert("kind".into(), K::KIND.into());
        }
        // A StatefulSet's claim templates are whole objects, stored with their type and (as the
        // API server serialises an unset time) a null creationTimestamp. The list is atomic to
        // server-side apply in 1.20, so a template written without them differs from the stored
        // one on every apply, and each re-deploy would write the StatefulSet again.
        if let Some(templates) = body
            .pointer_mut("/spec/volumeClaimTemplates")
            .and_then(serde_json::Value::as_array_mut)
        {
            for template in templates.iter_mut().filter_map(|t| t.as_object_mut()) {
                template.insert("apiVersion".into(), "v1".into());
                template.insert("kind".into(), "PersistentVolumeClaim".into());
                if let Some(meta) = template
                    .get_mut("metadata")
                    .and_then(serde_json::Value::as_object_mut)
                {
                    meta.insert("creationTimestamp".into(), serde_json::Value::Null);
                }
            }
        }
        Object {
            api_version: K::API_VERSION.to_owned(),
            kind: K::KIND.to_owned(),
            plural: K::URL_PATH_SEGMENT.to_owned(),
            namespace: meta.namespace.clone(),
            name: meta.name.clone().unwrap_or_default(),
            body,
        }
    }

    /// `StatefulSet org1/peer0`, `Namespace org1`: how messages name the object.
    pub fn key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// The API group (`apps`; empty for the core group).
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(group, _)| group)
            .unwrap_or("")
    }

    /// The API version within the group (`v1`).
    pub fn version(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(_, version)| version)
            .unwrap_or(&self.api_version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::StatefulSet;
    use k8s_openapi::api::core::v1::Namespace;

    #[test]
    fn typed_objects_keep_their_kind_and_address() {
        let sts = StatefulSet {
            metadata: ObjectMeta {
                name: Some("peer0".into()),
                namespace: Some("org1".into()),
                ..ObjectMeta::default()
            },
            ..StatefulSet::default()
        };
        let o = Object::new(&sts);
        assert_eq!(o.key(), "StatefulSet org1/peer0");
        assert_eq!(
            (o.group(), o.version(), o.plural.as_str()),
            ("apps", "v1", "statefulsets")
        );
        assert_eq!(o.body["kind"], "StatefulSet");
        assert_eq!(o.body["apiVersion"], "apps/v1");
        let ns = Object::new(&Namespace {
            metadata: ObjectMeta {
                name: Some("org1".into()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        });
        assert_eq!((ns.group(), ns.version()), ("", "v1"));
        assert_eq!(ns.key(), "Namespace org1");
    }
}
