pub struct LegacySessionManagerImpl; // expect: duplicate-manager-class

pub union SessionManagerCompat { // expect: duplicate-manager-class
    raw: u8,
}
