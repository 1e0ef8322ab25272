"""Vocabulary and sentence templates of Vietnamese ward news, grouped by topic."""

from __future__ import annotations

PEOPLE = [
    "Nguyễn Thị Loan",
    "Trần Văn Hùng",
    "Lê Minh Tuấn",
    "Phạm Thu Hà",
    "Đỗ Quang Huy",
    "Vũ Thị Hoà",
    "Hoàng Văn Đức",
    "Ngô Thị Thuỷ",
    "Bùi Đức Thắng",
    "Đặng Thị Hồng",
]

ROLES = [
    "Bí thư Đảng uỷ phường",
    "Phó Bí thư Thường trực Đảng ủy phường",
    "Chủ tịch UBND phường",
    "Phó Chủ tịch Uỷ ban nhân dân phường",
    "Chủ tịch Ủy ban MTTQ phường",
    "Trưởng Công an phường",
    "Bí thư chi bộ tổ dân phố số {n}",
]

PLACES = [
    "khu đất công cộng tại tổ dân phố số {n}",
    "tuyến đường ngõ {k} phố Ngọc Lâm",
    "khu tái định cư phường {ward}",
    "nhà văn hoá tổ dân phố số {n}",
    "trường Mầm non {ward}",
]

# Each topic: (title templates, body sentence templates, image caption).
TOPICS: dict[str, tuple[list[str], list[str], str]] = {
    "party": (
        [
            "Chi bộ tổ dân phố số {n} tổ chức sinh hoạt chuyên đề quý {q} năm {y}",
            "Đảng uỷ phường {ward} tổ chức Hội nghị sơ kết 6 tháng đầu năm {y}",
            "Hội nghị quán triệt, triển khai Chỉ thị số 24-CT/TU của Ban Thường vụ Thành ủy",
            "Trao Huy hiệu 50 năm tuổi Đảng cho các đảng viên chi bộ tổ dân phố số {n}",
            "KẾT NẠP đảng viên mới tại chi bộ tổ dân phố số {n}",
        ],
        [
            "Thực hiện Kế hoạch số {num}-KH/ĐU ngày {d} của Đảng uỷ phường {ward}, chi bộ tổ"
            " dân phố số {n} đã tổ chức sinh hoạt chuyên đề với sự tham dự của {k} đảng viên.",
            "Tại buổi sinh hoạt, các đảng viên đã thảo luận sôi nổi về việc thực hiện Chỉ thị"
            " 24-CT/TU của Ban Thường vụ Thành uỷ về nâng cao chất lượng sinh hoạt chi bộ.",
            "Phát biểu chỉ đạo, đồng chí {person} - {role} ghi nhận những kết quả chi bộ đạt"
            " được và đề nghị tiếp tục phát huy vai trò tiên phong, gương mẫu của đảng viên.",
            "Hội nghị đã thống nhất các giải pháp nâng cao hiệu quả công tác kiểm tra, giám"
            " sát và công tác phát triển đảng viên trong thời gian tới.",
            "Đồng chí {person} nhấn mạnh: mỗi đảng viên cần nêu cao tinh thần trách nhiệm,"
            " thực hiện nghiêm nguyên tắc tập trung dân chủ, tự phê bình và phê bình.",
        ],
        "Quang cảnh buổi sinh hoạt chi bộ",
    ),
    "notice": (
        [
            "THÔNG BÁO lịch tiếp công dân của Chủ tịch UBND phường tháng {m}/{y}",
            "Thông báo tạm ngừng cung cấp điện khu vực tổ dân phố số {n}",
            "THÔNG BÁO về việc niêm yết công khai danh sách hộ nghèo, hộ cận nghèo năm {y}",
            "Thông báo thu hồi đất thực hiện dự án mở rộng {place}",
        ],
        [
            "Uỷ ban nhân dân phường {ward} thông báo tới toàn thể nhân dân trên địa bàn"
            " phường được biết nội dung như sau.",
            "Thời gian: từ 08 giờ 00 phút ngày {d} đến hết ngày {d2} tại trụ sở Ủy ban nhân"
            " dân phường.",
            "Mọi ý kiến đóng góp xin gửi về bộ phận Tiếp nhận và trả kết quả, số điện thoại"
            " liên hệ 024.38{num}.",
            "Đề nghị các tổ dân phố, các đơn vị hiệp quản thông báo rộng rãi tới nhân dân"
            " được biết và thực hiện.",
        ],
        "Bảng niêm yết thông báo tại trụ sở UBND phường",
    ),
    "planning": (
        [
            "Lấy ý kiến cộng đồng dân cư về đồ án quy hoạch chi tiết tỷ lệ 1/500 {place}",
            "Công bố công khai đồ án điều chỉnh quy hoạch phân khu trên địa bàn phường",
            "Hội nghị đối thoại với các hộ dân liên quan đến dự án cải tạo {place}",
        ],
        [
            "Thực hiện Luật Quy hoạch đô thị, UBND phường {ward} phối hợp với đơn vị tư vấn"
            " tổ chức lấy ý kiến cộng đồng dân cư về đồ án quy hoạch {place}.",
            "Hồ sơ đồ án được trưng bày công khai tại nhà văn hoá tổ dân phố số {n} trong"
            " thời gian {k} ngày kể từ ngày {d}.",
            "Tại hội nghị, đại diện đơn vị tư vấn đã trình bày các nội dung chính của đồ án"
            " gồm ranh giới, quy mô diện tích và các chỉ tiêu sử dụng đất.",
            "Các ý kiến của nhân dân tập trung vào việc đảm bảo hạ tầng giao thông, cây xanh"
            " và quyền lợi hợp pháp của các hộ dân bị ảnh hưởng.",
        ],
        "Người dân xem bản vẽ quy hoạch tại nhà văn hóa",
    ),
    "fire": (
        [
            "Tập huấn nghiệp vụ phòng cháy chữa cháy cho lực lượng dân phòng năm {y}",
            "Ra quân kiểm tra an toàn phòng cháy, chữa cháy tại các cơ sở kinh doanh",
            "Diễn tập phương án chữa cháy và cứu nạn, cứu hộ tại {place}",
            "Tuyên truyền phòng cháy chữa cháy tại hộ gia đình kết hợp kinh doanh",
        ],
        [
            "Nhằm nâng cao kỹ năng xử lý các tình huống cháy, nổ, Công an phường {ward} phối"
            " hợp với Đội Cảnh sát PCCC và CNCH tổ chức buổi tập huấn cho {k} đội viên.",
            "Các học viên được hướng dẫn sử dụng bình chữa cháy xách tay, kỹ năng thoát nạn"
            " và sơ cứu người bị nạn khi xảy ra cháy.",
            "Qua kiểm tra, đoàn đã phát hiện {k} cơ sở chưa trang bị đầy đủ phương tiện chữa"
            " cháy và yêu cầu khắc phục trước ngày {d}.",
            "Đồng chí {person} - {role} đề nghị các hộ gia đình không để xe máy, hàng hoá"
            " dễ cháy ở lối thoát nạn và thường xuyên kiểm tra hệ thống điện.",
        ],
        "Lực lượng dân phòng thực hành dập lửa bằng bình chữa cháy",
    ),
    "health": (
        [
            "Tổ chức tiêm vắc xin phòng COVID-19 mũi {k} cho người dân trên địa bàn",
            "Chiến dịch tiêm chủng bổ sung vắc xin sởi - rubella năm {y}",
            "Ra quân phòng chống dịch sốt xuất huyết tại tổ dân phố số {n}",
        ],
        [
            "Trạm Y tế phường {ward} tổ chức điểm tiêm tại nhà văn hoá tổ dân phố số {n} từ"
            " ngày {d}.",
            "Đối tượng tiêm là người dân từ 18 tuổi trở lên chưa tiêm đủ liều cơ bản, mang"
            " theo căn cước công dân khi đến điểm tiêm.",
            "Trong đợt này đã có {num} lượt người được tiêm an toàn, không có trường hợp"
            " phản ứng nặng sau tiêm.",
            "Ban Chỉ đạo phòng chống dịch phường đề nghị nhân dân thực hiện vệ sinh môi"
            " trường, loại bỏ dụng cụ chứa nước đọng, diệt bọ gậy.",
        ],
        "Nhân viên y tế tiêm vắc xin cho người dân",
    ),
    "election": (
        [
            "Hội nghị hiệp thương lần thứ {k} giới thiệu người ứng cử đại biểu HĐND phường",
            "Tổ bầu cử số {n} hoàn thành công tác chuẩn bị cho ngày bầu cử",
            "Hội nghị lấy ý kiến cử tri nơi cư trú đối với người ứng cử",
        ],
        [
            "Ủy ban MTTQ Việt Nam phường {ward} tổ chức hội nghị hiệp thương với sự tham gia"
            " của đại diện các tổ chức thành viên.",
            "Hội nghị đã thống nhất cơ cấu, thành phần, số lượng người được giới thiệu ứng cử"
            " đại biểu Hội đồng nhân dân phường nhiệm kỳ mới.",
            "Tại tổ dân phố số {n}, {num} cử tri đã tham dự hội nghị với tỷ lệ tín nhiệm đạt 100%.",
            "Công tác niêm yết danh sách cử tri được thực hiện đúng quy định, bảo đảm mọi công"
            " dân đủ điều kiện đều được thực hiện quyền bầu cử.",
        ],
        "Cử tri biểu quyết tại hội nghị",
    ),
    "culture": (
        [
            "Ngày hội Đại đoàn kết toàn dân tộc tại tổ dân phố số {n}",
            "Tổ hoà giải tổ dân phố số {n} giải quyết thành công {k} vụ việc",
            'Hưởng ứng cuộc vận động "Người Việt Nam ưu tiên dùng hàng Việt Nam"',
            "Ra quân tổng vệ sinh môi trường, hưởng ứng Ngày Chủ nhật xanh",
        ],
        [
            "Ngày hội là dịp để nhân dân ôn lại truyền thống vẻ vang của Mặt trận Tổ quốc"
            " Việt Nam và tăng cường khối đại đoàn kết toàn dân tộc.",
            "Năm qua, tổ hòa giải đã tiếp nhận và giải quyết {k} vụ việc mâu thuẫn trong nhân"
            " dân, góp phần giữ gìn an ninh trật tự tại địa bàn.",
            "Dịp này, Ban công tác Mặt trận đã trao {k} suất quà cho các gia đình chính sách"
            " và hộ có hoàn cảnh khó khăn.",
            "Đông đảo đoàn viên, hội viên và nhân dân đã tham gia dọn dẹp vỉa hè, khơi thông"
            " cống rãnh, thu gom {num} kg rác thải.",
        ],
        "Các đại biểu tham dự ngày hội",
    ),
}

DOCUMENTS = [
    ("Ke+hoach+so+{num}-KH-UBND.pdf", "Kế hoạch số {num}/KH-UBND"),
    ("Thong+bao+{num}-TB-UBND.docx", "Thông báo số {num}/TB-UBND"),
    ("Quyet+dinh+{num}.pdf", "Quyết định số {num}/QĐ-UBND"),
]

LONG_TITLE = (
    "Hội nghị tuyên truyền, phổ biến giáo dục pháp luật về Luật Đất đai năm 2024, Luật Nhà ở"
    " năm 2023, Luật Kinh doanh bất động sản năm 2023 và các văn bản hướng dẫn thi hành cho cán"
    " bộ, đảng viên và nhân dân trên địa bàn phường"
)
DUPLICATE_TITLE = "THÔNG BÁO Lịch tiếp công dân định kỳ của Chủ tịch UBND phường"
TYPO_SENTENCE = (
    "Ban công tác Mặt trận tổ đân phố số {n} đã chủ động nắm bắt tình hình, kịp thời phản ánh"
    " các kiến nghị của nhân dân tới Uỷ ban nhân dân phường."
)
ENTITY_TITLE = "Phòng Tài nguyên & Môi trường kiểm tra việc thu gom rác thải tại tổ dân phố"
FFFD_SENTENCE = "Hội nghị triển khai k\ufffd hoạch thực hiện nhiệm vụ năm {y} của phường."
SCRIPT = 'var _101_viewCount = "{num}"; document.title = document.title + " - Lượt xem";'
