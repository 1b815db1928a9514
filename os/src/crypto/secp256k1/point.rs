//! Points of y² = x³ + 7: affine, and Jacobian (X, Y, Z) ↦ (X/Z², Y/Z³) so that additions
//! and doublings need no inversion. The formulas never use the curve's b, so they work
//! unchanged on the isomorphic curves y² = x³ + 7·c⁶ that [`super::recover`] moves to
//! (there, "affine" table points are Jacobian ones sharing one Z).

use super::field::FieldElement;

/// A finite point (x, y).
#[derive(Clone, Copy, Debug)]
pub struct Affine {
    /// x.
    pub x: FieldElement,
    /// y.
    pub y: FieldElement,
}

impl Affine {
    /// −P = (x, −y).
    pub fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

/// A point in Jacobian coordinates; Z = 0 is the point at infinity.
#[derive(Clone, Copy, Debug)]
pub struct Jacobian {
    /// X = x·Z².
    pub x: FieldElement,
    /// Y = y·Z³.
    pub y: FieldElement,
    /// Z (0 at infinity).
    pub z: FieldElement,
}

impl Jacobian {
    /// The point at infinity (the group's identity).
    pub const INFINITY: Self = Self {
        x: FieldElement::ZERO,
        y: FieldElement::ONE,
        z: FieldElement::ZERO,
    };

    /// The affine point with Z = 1.
    pub fn from_affine(p: &Affine) -> Self {
        Self {
            x: p.x,
            y: p.y,
            z: FieldElement::ONE,
        }
    }

    /// Whether this is the point at infinity.
    pub fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }

    /// −P = (X, −Y, Z).
    pub fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    /// P ← 2P, for a = 0: 3M + 4S. Infinity stays infinity (Z' = YZ = 0), and no finite
    /// point doubles to infinity (the group has odd order), so there is no special case.
    /// In place, as are the additions: the hot loop's accumulator is never copied.
    pub fn double_assign(&mut self) {
        // The usual X' = 9X⁴ − 8XY², Y' = 3X²(4XY² − X') − 8Y⁴, Z' = 2YZ, scaled by 1/2 (the
        // same point: (X', Y', Z') ~ (X'/4, Y'/8, Z'/2)) to drop the constants: with
        // L = (3/2)X² and S = XY², X'' = L² − 2S, Y'' = L(S − X'') − Y⁴, Z'' = YZ.
        let yy = self.y.square();
        let s = self.x.mul(&yy);
        let l = self.x.square().mul_small(3).half();
        let x = l.square().sub(&s.double());
        self.z = self.y.mul(&self.z);
        self.y = l.mul(&s.sub(&x)).sub(&yy.square());
        self.x = x;
    }

    /// P ← P ± Q for an affine Q (a "mixed" addition, 8M + 3S; `negate` adds −Q at no
    /// cost). Handles P at infinity, P = ±Q.
    pub fn add_affine_assign(&mut self, q: &Affine, negate: bool) {
        if self.is_infinity() {
            *self = Self::from_affine(q);
            if negate {
                self.y = self.y.neg();
            }
            return;
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z.mul(&z1z1));
        self.add_finish(u2, s2, negate);
    }

    /// P ← P ± Q for a point Q = (x, y) of the curve E while P lives on the isomorphic
    /// curve E_c: (x, y) ↦ (c²x, c³y) (see [`super::recover`]): Q on E_c is (c²x, c³y), and
    /// the mixed addition's x·Z² and y·Z³ become x·(cZ)² and y·(cZ)³, one multiplication
    /// more.
    pub fn add_affine_scaled_assign(&mut self, q: &Affine, negate: bool, c: &FieldElement) {
        if self.is_infinity() {
            let c2 = c.square();
            let y = q.y.mul(&c2.mul(c));
            *self = Self {
                x: q.x.mul(&c2),
                y: if negate { y.neg() } else { y },
                z: FieldElement::ONE,
            };
            return;
        }
        let w = self.z.mul(c);
        let ww = w.square();
        let u2 = q.x.mul(&ww);
        let s2 = q.y.mul(&ww.mul(&w));
        self.add_finish(u2, s2, negate);
    }

    /// The shared tail of the mixed additions: Q = (U2, ±S2) over P's Z² and Z³.
    fn add_finish(&mut self, u2: FieldElement, s2: FieldElement, negate: bool) {
        // H = U2 − X1, R = ±S2 − Y1; X3 = R² − H³ − 2·X1·H², Y3 = R·(X1·H² − X3) − Y1·H³,
        // Z3 = Z1·H. For −Q, t = S2 + Y1 = −R: R² = t² and R·(V − X3) = t·(X3 − V).
        let h = u2.sub(&self.x);
        let t = if negate {
            s2.add(&self.y)
        } else {
            s2.sub(&self.y)
        };
        if h.is_zero() {
            if t.is_zero() {
                self.double_assign();
            } else {
                *self = Self::INFINITY;
            }
            return;
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = self.x.mul(&hh);
        let x = t.square().sub(&hhh).sub(&v.double());
        let tv = if negate {
            t.mul(&x.sub(&v))
        } else {
            t.mul(&v.sub(&x))
        };
        self.y = tv.sub(&self.y.mul(&hhh));
        self.x = x;
        self.z = self.z.mul(&h);
    }

    /// Co-Z addition (Meloni, "New point addition formulae for ECC applications", 2007):
    /// for P and Q with the same Z and P ≠ ±Q, returns P + Q and P rescaled to the Z of the
    /// sum, and the ratio of the new Z to the old one: 5M + 2S. Builds the table of odd
    /// multiples by repeated additions of 2P, which always stays co-Z with the last entry.
    pub fn add_co_z(&self, q: &Self) -> (Self, Self, FieldElement) {
        // With h = X1 − X2: C = h², W1 = X1·C, W2 = X2·C, A1 = Y1·(W1 − W2);
        // X3 = (Y1 − Y2)² − W1 − W2, Y3 = (Y1 − Y2)·(W1 − X3) − A1, Z3 = Z·h; P' = (W1, A1, Z3).
        let h = self.x.sub(&q.x);
        debug_assert!(!h.is_zero(), "co-Z addition of P = ±Q");
        let c = h.square();
        let w1 = self.x.mul(&c);
        let w2 = q.x.mul(&c);
        let dy = self.y.sub(&q.y);
        let a1 = self.y.mul(&w1.sub(&w2));
        let x3 = dy.square().sub(&w1).sub(&w2);
        let y3 = dy.mul(&w1.sub(&x3)).sub(&a1);
        let z3 = self.z.mul(&h);
        (
            Self {
                x: x3,
                y: y3,
                z: z3,
            },
            Self {
                x: w1,
                y: a1,
                z: z3,
            },
            h,
        )
    }

    /// The affine point (x, y) = (X/Z², Y/Z³); `None` at infinity.
    pub fn to_affine(&self) -> Option<Affine> {
        if self.is_infinity() {
            return None;
        }
        let zinv = self.z.invert();
        let zinv2 = zinv.square();
        Some(Affine {
            x: self.x.mul(&zinv2),
            y: self.y.mul(&zinv2.mul(&zinv)),
        })
    }
}
