export const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Ben', 'Chloe', 'Diego', 'Elena', 'Farah', 'George', 'Hana',
  'Ivan', 'Jade', 'Kenji', 'Lena', 'Marco', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa',
  'Sami', 'Tara', 'Umar', 'Vera', 'Wei', 'Xavier', 'Yara', 'Zoe', 'Aisha', 'Bruno',
  'Carmen', 'Dmitri', 'Esther', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Luca',
];
export const LAST_NAMES = [
  'Smith', 'Garcia', 'Nguyen', 'Müller', 'Rossi', 'Kowalski', 'Okafor', 'Tanaka', 'Silva', 'Dubois',
  'Johansson', 'Novak', 'Haddad', 'Ivanova', 'Kim', 'Larsen', 'Mendes', 'OConnor', 'Petrov', 'Quispe',
  'Rahman', 'Santos', 'Schmidt', 'Torres', 'Usman', 'Varga', 'Weber', 'Xu', 'Yilmaz', 'Zhang',
  'Andersen', 'Brown', 'Costa', 'Dalton', 'Evans', 'Fischer', 'Gomez', 'Horvat', 'Ito', 'Jensen',
];
export const REWARDS = [
  { name: 'Free delivery', description: 'One free delivery on any order', cost: 100, validity_days: 30 },
  { name: 'Free coffee', description: 'One hot drink of any size', cost: 150, validity_days: 14 },
  { name: '5 € voucher', description: 'Five euro off the next order', cost: 250, validity_days: 60 },
  { name: '10 € voucher', description: 'Ten euro off the next order', cost: 500, validity_days: 60 },
  { name: 'Dessert on us', description: 'Any dessert from the menu', cost: 300, validity_days: 30 },
  { name: 'VIP month', description: 'A month of priority support', cost: 2000, validity_days: 90 },
];
