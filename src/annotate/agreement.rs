//! Agreement between annotators: how far people following the same guidelines give the same
//! labels, which is the ceiling any classifier is measured against.
//!
//! Two statistics, both "agreement beyond chance" (1 = perfect, 0 = what chance alone gives,
//! below 0 = worse than chance):
//! - [`cohen_kappa`] for two annotators over the paragraphs both labelled:
//!   κ = (p_o − p_e) / (1 − p_e), with p_o the observed agreement and p_e the agreement expected
//!   from each annotator's own category frequencies (Cohen 1960; scikit-learn's
//!   `cohen_kappa_score`).
//! - [`krippendorff_alpha`] (nominal) for any number of annotators, with paragraphs not labelled
//!   by everyone: α = 1 − D_o / D_e from the coincidence matrix of all pairable values
//!   (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"; the `krippendorff` Python
//!   package). A paragraph labelled by only one annotator is not pairable and is left out.
//!
//! Each is computed for the kind (three categories) and for every topic separately (present or
//! absent). When every answer falls in one category, chance agreement is already perfect and the
//! statistic is 0/0: it is *undefined* (`None`, printed `n/a`), not 1 and not 0 — scikit-learn
//! returns NaN there. The inputs come from `check::load_annotators`; `report::agreement` prints.

use crate::data::check::Annotator;
use crate::data::labels::{Kind, Labels};

/// Cohen's kappa of two annotators, with the parts it is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kappa {
    /// Items both rated.
    pub n: usize,
    /// p_o: the fraction of items given the same category.
    pub observed: f64,
    /// p_e: the agreement expected by chance from each annotator's category frequencies.
    pub expected: f64,
    /// (p_o − p_e) / (1 − p_e); `None` when p_e = 1 (both gave every item one and the same
    /// category).
    pub kappa: Option<f64>,
}

/// Cohen's kappa of two equally long lists of category numbers (item `i` got `a[i]` from one
/// annotator and `b[i]` from the other). `None` when the lists are empty or differ in length.
pub fn cohen_kappa(a: &[usize], b: &[usize]) -> Option<Kappa> {
    if a.is_empty() || a.len() != b.len() {
        return None;
    }
    let categories = a.iter().chain(b).max().map_or(0, |&m| m + 1);
    let (mut count_a, mut count_b) = (vec![0u64; categories], vec![0u64; categories]);
    let mut same = 0u64;
    for (&x, &y) in a.iter().zip(b) {
        count_a[x] += 1;
        count_b[y] += 1;
        same += u64::from(x == y);
    }
    // In whole numbers: p_o = same/n, p_e = chance/n², κ = (n·same − chance) / (n² − chance).
    let n = a.len() as u64;
    let chance: u64 = count_a.iter().zip(&count_b).map(|(x, y)| x * y).sum();
    let nn = n * n;
    Some(Kappa {
        n: a.len(),
        observed: same as f64 / n as f64,
        expected: chance as f64 / nn as f64,
        kappa: (chance != nn)
            .then(|| (n as f64 * same as f64 - chance as f64) / (nn as f64 - chance as f64)),
    })
}

/// Krippendorff's alpha for nominal data, with the parts it is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alpha {
    /// Units with at least two values (the pairable ones).
    pub units: usize,
    /// n: the values in those units.
    pub values: usize,
    /// 1 − D_o / D_e; `None` when D_e = 0 (every pairable value is the same category) or nothing
    /// is pairable.
    pub alpha: Option<f64>,
}

/// Krippendorff's alpha (nominal): `units[u]` holds the values unit `u` received (one per
/// annotator who rated it; missing ones are simply absent).
///
/// With m_u values in unit u, n_uc of them category c, n_c = Σ_u n_uc and n = Σ_c n_c over the
/// pairable units (m_u ≥ 2): D_o = Σ_u (m_u² − Σ_c n_uc²) / (m_u − 1) and
/// D_e = (n² − Σ_c n_c²) / (n − 1), α = 1 − D_o / D_e (both without their common factor 1/n).
pub fn krippendorff_alpha(units: &[Vec<usize>]) -> Alpha {
    let categories = units.iter().flatten().max().map_or(0, |&m| m + 1);
    let mut totals = vec![0u64; categories];
    let (mut n, mut pairable, mut disagreement) = (0u64, 0usize, 0.0f64);
    let mut counts = vec![0u64; categories];
    for unit in units.iter().filter(|u| u.len() >= 2) {
        counts.iter_mut().for_each(|c| *c = 0);
        for &v in unit {
            counts[v] += 1;
            totals[v] += 1;
        }
        let m = unit.len() as u64;
        let same: u64 = counts.iter().map(|c| c * c).sum();
        disagreement += (m * m - same) as f64 / (m - 1) as f64;
        n += m;
        pairable += 1;
    }
    let spread = n * n - totals.iter().map(|c| c * c).sum::<u64>();
    Alpha {
        units: pairable,
        values: n as usize,
        alpha: (spread > 0).then(|| 1.0 - (n - 1) as f64 * disagreement / spread as f64),
    }
}

/// The number of a kind in the statistics (its place in [`Kind::ALL`]).
fn kind_code(kind: Kind) -> usize {
    Kind::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

/// One topic's agreement between two annotators.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicKappa {
    /// Kappa over present/absent.
    pub kappa: Kappa,
    /// Paragraphs the first annotator gave the topic.
    pub yes_a: usize,
    /// Paragraphs the second annotator gave the topic.
    pub yes_b: usize,
}

/// Two annotators compared over the paragraphs both labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The first annotator's name.
    pub a: String,
    /// The second annotator's name.
    pub b: String,
    /// Paragraphs each labelled, in all.
    pub labelled: (usize, usize),
    /// Paragraphs both labelled (indices into the paragraphs), in corpus order.
    pub shared: Vec<usize>,
    /// Kappa for the kind; `None` when no paragraph is shared.
    pub kind: Option<Kappa>,
    /// Per topic, in topics.csv order; empty when no paragraph is shared.
    pub topics: Vec<TopicKappa>,
    /// Shared paragraphs with a different kind or topic set: (paragraph, A's, B's labels).
    pub disagreements: Vec<(usize, Labels, Labels)>,
}

/// Compares two annotators over the paragraphs both labelled; `topics` is the number of topics.
pub fn compare(a: &Annotator, b: &Annotator, topics: usize) -> Pair {
    let both: Vec<(usize, &Labels, &Labels)> = a
        .labels
        .iter()
        .zip(&b.labels)
        .enumerate()
        .filter_map(|(i, (x, y))| Some((i, x.as_ref()?, y.as_ref()?)))
        .collect();
    // The two annotators' values over the shared paragraphs.
    let values = |value: &dyn Fn(&Labels) -> usize| -> (Vec<usize>, Vec<usize>) {
        both.iter().map(|(_, x, y)| (value(x), value(y))).unzip()
    };
    let (kind_a, kind_b) = values(&|l| kind_code(l.kind));
    let kind = cohen_kappa(&kind_a, &kind_b);
    let topics = (0..topics)
        .filter_map(|t| {
            let (ya, yb) = values(&|l| usize::from(l.topics.contains(&t)));
            Some(TopicKappa {
                kappa: cohen_kappa(&ya, &yb)?,
                yes_a: ya.iter().sum(),
                yes_b: yb.iter().sum(),
            })
        })
        .collect();
    let count = |labels: &[Option<Labels>]| labels.iter().flatten().count();
    Pair {
        a: a.name.clone(),
        b: b.name.clone(),
        labelled: (count(&a.labels), count(&b.labels)),
        shared: both.iter().map(|p| p.0).collect(),
        kind,
        topics,
        disagreements: both
            .iter()
            .filter(|(_, x, y)| x != y)
            .map(|&(i, x, y)| (i, x.clone(), y.clone()))
            .collect(),
    }
}

/// Krippendorff's alpha over a group of annotators.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The annotators' names.
    pub names: Vec<String>,
    /// Alpha for the kind.
    pub kind: Alpha,
    /// Alpha per topic (present/absent), in topics.csv order.
    pub topics: Vec<Alpha>,
}

/// Krippendorff's alpha over all the given annotators, for the kind and each of `topics` topics.
/// A paragraph counts where at least two of them labelled it.
pub fn group(annotators: &[Annotator], topics: usize) -> Group {
    let paragraphs = annotators.first().map_or(0, |a| a.labels.len());
    let units = |value: &dyn Fn(&Labels) -> usize| -> Vec<Vec<usize>> {
        (0..paragraphs)
            .map(|p| {
                annotators
                    .iter()
                    .filter_map(|a| a.labels.get(p)?.as_ref().map(value))
                    .collect()
            })
            .collect()
    };
    Group {
        names: annotators.iter().map(|a| a.name.clone()).collect(),
        kind: krippendorff_alpha(&units(&|l| kind_code(l.kind))),
        topics: (0..topics)
            .map(|t| krippendorff_alpha(&units(&|l| usize::from(l.topics.contains(&t)))))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
    }

    /// Worked by hand: 10 paragraphs, A says yes to 5, B to 4, both yes on 3 and both no on 4.
    /// p_o = 7/10; p_e = (5/10)(4/10) + (5/10)(6/10) = 1/2; κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
    #[test]
    fn kappa_binary_by_hand() {
        let a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let k = cohen_kappa(&a, &b).unwrap();
        assert_eq!(k.n, 10);
        close(k.observed, 0.7);
        close(k.expected, 0.5);
        close(k.kappa.unwrap(), 0.4);
    }

    /// Three categories, worked by hand: A = h b b b x x, B = h b b x x b. Same on 4 of 6;
    /// both have h 1, b 3, x 2, so p_e = (1 + 9 + 4)/36 = 14/36 and
    /// κ = (24/36 − 14/36) / (22/36) = 10/22 = 5/11.
    #[test]
    fn kappa_three_categories_by_hand() {
        let k = cohen_kappa(&[0, 1, 1, 1, 2, 2], &[0, 1, 1, 2, 2, 1]).unwrap();
        close(k.observed, 4.0 / 6.0);
        close(k.expected, 14.0 / 36.0);
        close(k.kappa.unwrap(), 5.0 / 11.0);
    }

    /// Reference values from scikit-learn 1.9.1 (`sklearn.metrics.cohen_kappa_score`):
    ///
    /// ```python
    /// from sklearn.metrics import cohen_kappa_score as k
    /// print(repr(k([0,1,2,0,1,2,0,1,2,2,1,0], [0,1,2,1,1,2,0,0,2,1,1,0])))  # 0.625
    /// print(repr(k([1,0,0,0,1,1,0,0], [0,1,0,0,1,0,0,0])))                  # 0.1428571428571429
    /// print(repr(k([0,0,0,1], [1,1,1,0])))                                  # -0.6000000000000001
    /// print(repr(k([0,0,0,0], [0,0,0,1])))                                  # 0.0
    /// print(repr(k([1,1,1], [1,1,1])))                                      # nan (0/0)
    /// print(repr(k([1,1,1,1,1,0,0,0,0,0], [1,1,1,0,0,1,0,0,0,0])))          # 0.4 (by hand below)
    /// print(repr(k([0,1,1,1,2,2], [0,1,1,2,2,1])))                          # 0.4545454545454545
    /// ```
    #[test]
    fn kappa_matches_scikit_learn() {
        let cases: [(&[usize], &[usize], f64); 6] = [
            (
                &[0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 1, 0],
                &[0, 1, 2, 1, 1, 2, 0, 0, 2, 1, 1, 0],
                0.625,
            ),
            (
                &[1, 0, 0, 0, 1, 1, 0, 0],
                &[0, 1, 0, 0, 1, 0, 0, 0],
                0.1428571428571429,
            ),
            (&[0, 0, 0, 1], &[1, 1, 1, 0], -0.6000000000000001),
            (&[0, 0, 0, 0], &[0, 0, 0, 1], 0.0),
            (
                &[1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
                &[1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
                0.4,
            ),
            (&[0, 1, 1, 1, 2, 2], &[0, 1, 1, 2, 2, 1], 0.4545454545454545),
        ];
        for (a, b, want) in cases {
            close(cohen_kappa(a, b).unwrap().kappa.unwrap(), want);
        }
        // Where scikit-learn says NaN, kappa is undefined; the observed agreement is still 1.
        let k = cohen_kappa(&[1, 1, 1], &[1, 1, 1]).unwrap();
        assert_eq!(k.kappa, None);
        close(k.observed, 1.0);
        assert_eq!(cohen_kappa(&[], &[]), None);
        assert_eq!(cohen_kappa(&[0], &[0, 1]), None);
    }

    /// Worked by hand: two annotators, four units (a a), (a b), (b b), (b —). The last has one
    /// value and is not pairable, so n = 6 with n_a = n_b = 3. Only unit 2 disagrees:
    /// D_o = (2² − 1 − 1)/(2 − 1) = 2; n² − Σ n_c² = 36 − 18 = 18;
    /// α = 1 − (n − 1) · 2 / 18 = 1 − 10/18 = 4/9.
    #[test]
    fn alpha_by_hand_with_a_missing_value() {
        let a = krippendorff_alpha(&[vec![0, 0], vec![0, 1], vec![1, 1], vec![1]]);
        assert_eq!((a.units, a.values), (3, 6));
        close(a.alpha.unwrap(), 4.0 / 9.0);
    }

    /// Reference values from the `krippendorff` package 0.9.0
    /// (`krippendorff.alpha(level_of_measurement='nominal')`), rows = annotators, NaN = missing:
    ///
    /// ```python
    /// import numpy as np, krippendorff
    /// nan = np.nan
    /// # Krippendorff's own example (the package's docstring and Wikipedia): 0.691358...
    /// d1 = [[nan,nan,nan,nan,nan,3,4,1,2,1,1,3,3,nan,3],
    ///       [1,nan,2,1,3,3,4,3,nan,nan,nan,nan,nan,nan,nan],
    ///       [nan,nan,2,1,3,4,4,nan,2,1,1,3,3,nan,4]]
    /// print(repr(krippendorff.alpha(d1, level_of_measurement='nominal')))  # 0.691358024691358
    /// d2 = [[0,0,1,1],[0,1,1,nan]]
    /// print(repr(krippendorff.alpha(d2, level_of_measurement='nominal')))  # 0.4444444444444444
    /// d3 = [[0,1,2,0,1,nan],[0,1,2,1,nan,2],[0,2,2,nan,1,2],[1,1,nan,0,1,2]]
    /// print(repr(krippendorff.alpha(d3, level_of_measurement='nominal')))  # 0.5648854961832062
    /// ```
    #[test]
    fn alpha_matches_the_krippendorff_package() {
        // Units are columns; values 1..4 become 0..3.
        let d1 = [
            vec![0],
            vec![],
            vec![1, 1],
            vec![0, 0],
            vec![2, 2],
            vec![2, 2, 3],
            vec![3, 3, 3],
            vec![0, 2],
            vec![1, 1],
            vec![0, 0],
            vec![0, 0],
            vec![2, 2],
            vec![2, 2],
            vec![],
            vec![2, 3],
        ];
        close(krippendorff_alpha(&d1).alpha.unwrap(), 0.691358024691358);
        let d2 = [vec![0, 0], vec![0, 1], vec![1, 1], vec![1]];
        close(krippendorff_alpha(&d2).alpha.unwrap(), 0.4444444444444444);
        let d3 = [
            vec![0, 0, 0, 1],
            vec![1, 1, 2, 1],
            vec![2, 2, 2],
            vec![0, 1, 0],
            vec![1, 1, 1],
            vec![2, 2, 2],
        ];
        close(krippendorff_alpha(&d3).alpha.unwrap(), 0.5648854961832062);
    }

    /// The package refuses ("There has to be more than one value in the domain") or, given
    /// `value_domain=[0,1]`, returns NaN for `[[1,1,nan],[1,1,1],[nan,1,nan]]`: undefined.
    #[test]
    fn alpha_is_undefined_when_every_value_is_the_same() {
        let a = krippendorff_alpha(&[vec![1, 1], vec![1, 1, 1], vec![0]]);
        assert_eq!((a.units, a.values, a.alpha), (2, 5, None));
        assert_eq!(krippendorff_alpha(&[vec![0], vec![]]).alpha, None);
        assert_eq!(krippendorff_alpha(&[]).alpha, None);
    }
}
