use smallvec::SmallVec;

fn main() {
    let mut v: SmallVec<[u32; 4]> = SmallVec::new();
    for i in 0..3 {
        v.push(i);
    }
    let mut buf = itoa::Buffer::new();
    println!("{} items, sum {}", v.len(), buf.format(v.iter().sum::<u32>()));
}
